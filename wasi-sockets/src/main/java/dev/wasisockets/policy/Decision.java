package dev.wasisockets.policy;

/**
 * The outcome of one policy check, with the rule that decided it (as written, prefixed by "allow"
 * or "deny", or "default deny") so that a denial can say why.
 */
public record Decision(boolean allowed, String rule) {
  static final Decision DEFAULT_DENY = new Decision(false, "default deny");

  static Decision allowedBy(Rule rule) {
    return new Decision(true, "allow " + rule);
  }

  static Decision deniedBy(Rule rule) {
    return new Decision(false, "deny " + rule);
  }
}
