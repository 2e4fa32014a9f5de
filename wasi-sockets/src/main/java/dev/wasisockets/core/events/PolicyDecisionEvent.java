package dev.wasisockets.core.events;

import jdk.jfr.Category;
import jdk.jfr.Description;
import jdk.jfr.Enabled;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.SettingDefinition;
import jdk.jfr.StackTrace;

/**
 * One decision of the guest's policy: a use of an address (connect, bind, UDP send) or a name
 * lookup, the rule that decided it, and whether it was allowed. By default only denials are
 * recorded: setting {@code decisions} to {@code all} records every decision (see {@link
 * DecisionsSetting}).
 */
@Name("dev.wasisockets.PolicyDecision")
@Label("Policy Decision")
@Category({"WASI Sockets"})
@Description("The policy allowed or denied a guest's use of an address or a name")
@Enabled(true)
@StackTrace(true)
public final class PolicyDecisionEvent extends jdk.jfr.Event {
  @Label("Descriptor")
  @Description("The guest's descriptor number of the socket asking; -1 for a name lookup")
  public int fd = -1;

  @Label("Use")
  @Description("What the guest wanted: tcp connect, bind, udp send or name lookup")
  public String use;

  @Label("Address")
  @Description("The address judged (RFC 5952 text); absent for a name lookup")
  public String address;

  @Label("Port")
  public int port;

  @Label("Name")
  @Description("The name the guest looked the address up by, or the name to look up")
  public String name;

  @Label("Rule")
  @Description("The rule that decided, as written: allow ..., deny ..., or default deny")
  public String rule;

  @Label("Allowed")
  public boolean allowed;

  /** Whether this decision is one the recording asked for: a denial, or any under {@code all}. */
  @SettingDefinition
  @Name("decisions")
  @Label("Decisions")
  @Description("denied: only the policy's denials (the default); all: every decision")
  public boolean decisions(DecisionsSetting setting) {
    return !allowed || setting.all();
  }
}
