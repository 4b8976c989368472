package dev.cohort.cluster;

/** A node's TCP endpoint, written HOST:PORT on command lines. */
public record HostPort(String host, int port) {
  private static final int MAX_PORT = 65535;

  public HostPort {
    if (host == null || host.isBlank()) throw new IllegalArgumentException("a node address needs a host");
    if (port < 0 || port > MAX_PORT) {
      throw new IllegalArgumentException("port must be 0 to " + MAX_PORT + ", got " + port + " for host " + host);
    }
  }

  /** Parses HOST:PORT, e.g. "127.0.0.1:25520"; the last colon separates the port. */
  public static HostPort parse(String text) {
    int colon = text.lastIndexOf(':');
    if (colon <= 0 || colon == text.length() - 1) {
      throw new IllegalArgumentException("expected HOST:PORT, got '" + text + "'");
    }
    String port = text.substring(colon + 1);
    if (!port.matches("[0-9]+")) throw new IllegalArgumentException("port of '" + text + "' is not a number");
    return new HostPort(text.substring(0, colon), Integer.parseInt(port));
  }

  /** The Pekko address of the Cohort node listening here. */
  public String pekkoAddress() {
    return "pekko://" + ClusterNode.SYSTEM_NAME + "@" + host + ":" + port;
  }

  @Override
  public String toString() {
    return host + ":" + port;
  }
}
