package dev.wasisockets.gateway;

import io.netty.handler.ssl.SslContext;
import java.util.concurrent.Executor;

/** What every session of one gateway shares. */
record SessionContext(
    GatewayOptions options,
    Executor lookups,
    ConnectionPool pool,
    SslContext tls,
    AccessLog accessLog) {}
