package dev.wasisockets.policy;

/**
 * The outcome of one policy check, with the rule that decided it (as written) so that a denial can
 * say why.
 */
public record Decision(boolean allowed, String rule) {
  static Decision allowedBy(AddressRule rule) {
    return new Decision(true, rule.toString());
  }

  static Decision deniedByDefault() {
    return new Decision(false, "default deny");
  }
}
