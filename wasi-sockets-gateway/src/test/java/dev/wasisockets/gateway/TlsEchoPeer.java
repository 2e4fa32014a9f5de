package dev.wasisockets.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;

/**
 * A TLS echo server on loopback with a self-signed certificate for localhost and 127.0.0.1, made
 * with the JDK's keytool when the test runs.
 */
final class TlsEchoPeer implements AutoCloseable {
  private static final char[] PASSWORD = "changeit".toCharArray();

  private final SSLServerSocket server;
  private final KeyStore trust;

  TlsEchoPeer(Path dir) throws Exception {
    Path keys = dir.resolve("peer.p12");
    keytool(
        "-genkeypair",
        "-alias",
        "peer",
        "-keyalg",
        "EC",
        "-groupname",
        "secp256r1",
        "-dname",
        "CN=localhost",
        "-ext",
        "SAN=dns:localhost,ip:127.0.0.1",
        "-validity",
        "2",
        "-storetype",
        "PKCS12",
        "-keystore",
        keys.toString(),
        "-storepass",
        new String(PASSWORD));
    KeyStore keyStore = KeyStore.getInstance(keys.toFile(), PASSWORD);
    KeyManagerFactory keyManagers =
        KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keyManagers.init(keyStore, PASSWORD);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(keyManagers.getKeyManagers(), null, null);
    server =
        (SSLServerSocket)
            context
                .getServerSocketFactory()
                .createServerSocket(0, 8, InetAddress.getLoopbackAddress());
    trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    Certificate certificate = keyStore.getCertificate("peer");
    trust.setCertificateEntry("peer", certificate);
    Thread thread = new Thread(this::acceptAll, "tls-echo-peer");
    thread.setDaemon(true);
    thread.start();
  }

  int port() {
    return server.getLocalPort();
  }

  /** A trust store that holds only this peer's certificate. */
  KeyStore trustStore() {
    return trust;
  }

  private void acceptAll() {
    while (!server.isClosed()) {
      try (Socket socket = server.accept()) {
        InputStream in = socket.getInputStream();
        OutputStream out = socket.getOutputStream();
        byte[] buffer = new byte[8192];
        for (int n; (n = in.read(buffer)) >= 0; ) {
          out.write(buffer, 0, n);
          out.flush();
        }
      } catch (IOException e) {
        // a failed handshake or a closed connection: serve the next
      }
    }
  }

  private static void keytool(String... args) throws Exception {
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    List<String> command = new ArrayList<>(List.of(keytool.toString()));
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IOException("keytool failed: " + output);
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
