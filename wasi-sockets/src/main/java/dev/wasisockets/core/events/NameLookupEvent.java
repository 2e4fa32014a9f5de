package dev.wasisockets.core.events;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.StackTrace;
import jdk.jfr.Threshold;

/**
 * A name the guest looked up (getaddrinfo), spanning the resolver's answer. An IP literal in any
 * spelling is its own answer and no lookup. A lookup the policy refused has errno EACCES.
 */
@Name("dev.wasisockets.NameLookup")
@Label("Name Lookup")
@Category({"WASI Sockets"})
@Description("A guest looked a name up: the addresses that came back, or the errno")
@Enabled(true)
@Threshold("0 ms")
@StackTrace(true)
public final class NameLookupEvent extends jdk.jfr.Event {
  /** The most addresses {@link #addresses} lists; the count says how many there were. */
  public static final int LISTED_ADDRESSES = 8;

  @Label("Name")
  public String name;

  @Label("Address Count")
  @Description("How many addresses the resolver gave")
  public int addressCount;

  @Label("Addresses")
  @Description("The addresses (RFC 5952 text, comma-separated; the first 8)")
  public String addresses;

  @Label("Errno")
  @Description("The WASI errno the guest got, e.g. EACCES or ENOENT; absent when it succeeded")
  public String errno;
}
