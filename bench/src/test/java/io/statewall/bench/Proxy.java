package io.statewall.bench;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A loopback TCP proxy in front of a controller that turns hostile once a connection has carried
 * {@code afterBytes} from the controller: it either injects {@code garbage} into that stream, or,
 * with no garbage, closes the connection both ways.
 */
final class Proxy implements AutoCloseable {
  private final ServerSocket server;
  private final InetSocketAddress target;
  private final int afterBytes;
  private final byte[] garbage;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final List<Thread> threads = new CopyOnWriteArrayList<>();
  private final AtomicBoolean cut = new AtomicBoolean();

  Proxy(InetSocketAddress target, int afterBytes, byte[] garbage) throws IOException {
    this.target = target;
    this.afterBytes = afterBytes;
    this.garbage = garbage;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    start(this::acceptLoop);
  }

  InetSocketAddress address() {
    return (InetSocketAddress) server.getLocalSocketAddress();
  }

  boolean cut() {
    return cut.get();
  }

  private void acceptLoop() {
    try {
      while (!server.isClosed()) {
        Socket downstream = server.accept();
        Socket upstream = new Socket(target.getAddress(), target.getPort());
        sockets.add(downstream);
        sockets.add(upstream);
        start(() -> pump(downstream, upstream, false));
        start(() -> pump(upstream, downstream, true));
      }
    } catch (IOException e) {
      // server closed: done
    }
  }

  private void pump(Socket from, Socket to, boolean fromController) {
    try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
      if (fromController) {
        pumpMessages(new DataInputStream(in), out, from, to);
      } else {
        in.transferTo(out);
      }
    } catch (IOException e) {
      // one side closed: close the other
    } finally {
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  /** Forwards whole OpenFlow messages, and turns hostile at the first boundary past the limit. */
  private void pumpMessages(DataInputStream in, OutputStream out, Socket from, Socket to)
      throws IOException {
    long carried = 0;
    byte[] header = new byte[8];
    while (carried < afterBytes) {
      in.readFully(header);
      int length = ((header[2] & 0xFF) << 8) | (header[3] & 0xFF);
      byte[] body = new byte[Math.max(0, length - 8)];
      in.readFully(body);
      out.write(header);
      out.write(body);
      out.flush();
      carried += length;
    }
    if (garbage == null) {
      cut.set(true);
      from.close();
      to.close();
      return;
    }
    out.write(garbage);
    out.flush();
    // stay open and silent: the generator must notice and close by itself
    in.transferTo(OutputStream.nullOutputStream());
  }

  private void start(Runnable r) {
    Thread t = new Thread(r, "proxy");
    t.setDaemon(true);
    threads.add(t);
    t.start();
  }

  @Override
  public void close() {
    closeQuietly(server);
    sockets.forEach(Proxy::closeQuietly);
    try {
      for (Thread t : threads) {
        t.join(5_000);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      // closing anyway
    }
  }
}
