/**
 * JDK Flight Recorder events for a guest's network activity, so that a recording ({@code java
 * -XX:StartFlightRecording}, JDK Mission Control) shows what a guest did on the network beside GC
 * and threads. The core emits them where it does the thing; this package only declares them, and
 * depends on nothing of the library.
 *
 * <p>Defaults (the annotations; {@code docs/observability.md} says why): the events that wait on
 * the network for bytes or a peer ({@link SocketConnectEvent}, {@link SocketAcceptEvent}, {@link
 * SocketSendEvent}, {@link SocketReceiveEvent}) are enabled with a 20 ms threshold, as the JDK's
 * {@code jdk.SocketRead} and {@code jdk.SocketWrite} are in its default settings; every close, name
 * lookup and throttling wait is recorded; of the policy's decisions, the denials (setting {@code
 * decisions}: {@code denied}, or {@code all}).
 */
package dev.wasisockets.core.events;
