package dev.jdino.bdd;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An HTTP server on the loopback interface serving one file at {@code /files/<name>}, with range
 * support and scripted misbehaviour: the first {@code cutFirst} responses stop half-way and drop
 * the connection; with {@code ignoreRange} range requests get the whole file (HTTP 200).
 */
public final class LocalServer implements AutoCloseable {
  private final HttpServer server;
  private final byte[] content;

  /** The Range header of every request (null when absent), in order. */
  public final List<String> ranges = new CopyOnWriteArrayList<>();

  public volatile int cutFirst;
  public volatile boolean ignoreRange;
  public volatile int status = 200;

  public LocalServer(String name, byte[] content) throws IOException {
    this.content = content;
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/files/" + name, this::handle);
    server.createContext(
        "/moved/" + name,
        ex -> {
          ex.getResponseHeaders().add("Location", "/files/" + name);
          ex.sendResponseHeaders(302, -1);
          ex.close();
        });
    server.start();
  }

  /** The file's URL (or, with {@code moved}, a URL that redirects to it). */
  public URI uri(String name, boolean moved) {
    return URI.create(
        "http://"
            + server.getAddress().getHostString()
            + ":"
            + server.getAddress().getPort()
            + (moved ? "/moved/" : "/files/")
            + name);
  }

  private void handle(HttpExchange ex) throws IOException {
    String range = ex.getRequestHeaders().getFirst("Range");
    ranges.add(range);
    if (status != 200) {
      ex.sendResponseHeaders(status, -1);
      ex.close();
      return;
    }
    int from = 0;
    if (range != null && !ignoreRange) {
      from = Integer.parseInt(range.replaceAll("bytes=(\\d+)-.*", "$1"));
      if (from >= content.length) {
        ex.getResponseHeaders().add("Content-Range", "bytes */" + content.length);
        ex.sendResponseHeaders(416, -1);
        ex.close();
        return;
      }
      ex.getResponseHeaders()
          .add(
              "Content-Range", "bytes " + from + "-" + (content.length - 1) + "/" + content.length);
      ex.sendResponseHeaders(206, content.length - from);
    } else {
      ex.sendResponseHeaders(200, content.length);
    }
    OutputStream out = ex.getResponseBody();
    int n = content.length - from;
    if (ranges.size() <= cutFirst) {
      out.write(content, from, n / 2);
      out.flush();
      // A handler that fails mid-body makes the server drop the connection: the client sees
      // the body end early, as when a real transfer is cut.
      throw new IOException("simulated connection drop");
    }
    out.write(content, from, n);
    out.close();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
