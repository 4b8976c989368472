package dev.cohort.config;

/**
 * Artery over TLS with mutual authentication: each node presents a certificate signed by the cluster's CA and
 * accepts only peers whose certificate chains to a CA in its trust store. Off by default (a single machine talks
 * over loopback only). Passwords are read from files so they stay out of configs, command lines and logs. The
 * protocol is TLSv1.3 (Pekko's default) with its default cipher suites.
 *
 * @param enabled turn TLS on; every node of a cluster must agree, since a plain-TCP node cannot talk to a TLS one
 * @param keyStore PKCS12 (or JKS) file with this node's private key and its certificate chain
 * @param keyStorePasswordFile file whose first line is the key store's password (also the key's password, as
 *     keytool makes PKCS12 stores)
 * @param trustStore PKCS12 (or JKS) file with the CA certificate(s) whose signatures this node accepts
 * @param trustStorePasswordFile file whose first line is the trust store's password
 */
public record TlsConfig(
    boolean enabled,
    String keyStore,
    String keyStorePasswordFile,
    String trustStore,
    String trustStorePasswordFile) {

  void validate(String path) {
    if (!enabled) return;
    required(path + ".key-store", keyStore);
    required(path + ".key-store-password-file", keyStorePasswordFile);
    required(path + ".trust-store", trustStore);
    required(path + ".trust-store-password-file", trustStorePasswordFile);
  }

  private static void required(String path, String file) {
    Check.that(!file.isBlank(), path, "must name a file when TLS is enabled");
  }
}
