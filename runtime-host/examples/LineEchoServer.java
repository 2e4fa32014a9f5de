import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A loopback peer for the examples: answers each line with "echo: LINE". Prints its port on the
 * first line of stdout, then serves connections one after another until killed.
 *
 * <p>Run with the JDK's source launcher: {@code java LineEchoServer.java}
 */
public class LineEchoServer {
  public static void main(String[] args) throws Exception {
    try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      System.out.println(server.getLocalPort());
      System.out.flush();
      while (true) {
        try (Socket client = server.accept();
            BufferedReader in =
                new BufferedReader(
                    new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
            PrintWriter out =
                new PrintWriter(client.getOutputStream(), true, StandardCharsets.UTF_8)) {
          String line;
          while ((line = in.readLine()) != null) {
            out.print("echo: " + line + "\n");
            out.flush();
          }
        }
      }
    }
  }
}
