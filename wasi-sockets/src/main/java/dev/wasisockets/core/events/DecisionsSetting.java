package dev.wasisockets.core.events;

import java.util.Set;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.MetadataDefinition;
import jdk.jfr.Name;
import jdk.jfr.SettingControl;

/**
 * The {@code decisions} setting of {@link PolicyDecisionEvent}: {@code denied} (the default) or
 * {@code all}. A guest under a grant decides on every UDP datagram it sends and every connect it
 * makes, so recording every decision would be a flood nobody asked for; a denial is rare and is
 * what an operator looks for. When recordings disagree, the one that asks for more wins, as JFR
 * combines its own settings.
 */
@MetadataDefinition
@Name("dev.wasisockets.Decisions")
@Label("Decisions")
@Description("Which policy decisions to record: denied or all")
public final class DecisionsSetting extends SettingControl {
  public static final String DENIED = "denied";
  public static final String ALL = "all";

  private volatile boolean all; // read on guest threads, set by JFR's

  @Override
  public String combine(Set<String> values) {
    return values.contains(ALL) ? ALL : DENIED;
  }

  @Override
  public void setValue(String value) {
    all = ALL.equals(value);
  }

  @Override
  public String getValue() {
    return all ? ALL : DENIED;
  }

  boolean all() {
    return all;
  }
}
