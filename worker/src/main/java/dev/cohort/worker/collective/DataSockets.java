package dev.cohort.worker.collective;

import javax.net.ServerSocketFactory;
import javax.net.SocketFactory;
import javax.net.ssl.SSLContext;

/**
 * Where the data plane gets its sockets: plain TCP, or TLS from an {@link SSLContext} (every worker both serves and
 * dials, so one context holding the worker's key and the peers' trust anchors serves both sides; servers then
 * require client certificates, so only holders of a trusted key can connect).
 */
public record DataSockets(ServerSocketFactory servers, SocketFactory clients) {
  public static DataSockets plain() {
    return new DataSockets(ServerSocketFactory.getDefault(), SocketFactory.getDefault());
  }

  public static DataSockets tls(SSLContext context) {
    return new DataSockets(context.getServerSocketFactory(), context.getSocketFactory());
  }
}
