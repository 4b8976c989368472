package dev.cohort.cluster;

import dev.cohort.config.ConfigError;
import dev.cohort.config.TlsConfig;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.util.Collections;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The node's TLS identity and trust from {@link TlsConfig}: the same key and trust stores Artery uses, for any other
 * socket between nodes. A server socket or engine made from it must also demand the peer's certificate
 * ({@code setNeedClientAuth(true)}), as Artery's {@code require-mutual-authentication} does.
 */
public final class TlsContexts {
  /** Where a problem with the TLS files is reported: the config path of the key at fault. */
  static final String PATH = "cohort.cluster.tls";

  /** The one TLS version nodes speak; Artery's default cipher suites are TLSv1.3's. */
  static final String PROTOCOL = "TLSv1.3";

  private TlsContexts() {}

  /** An initialised SSLContext; fails naming the key whose file is missing, unreadable or has the wrong password. */
  public static SSLContext fromConfig(TlsConfig tls) {
    if (!tls.enabled()) throw new ConfigError(PATH + ".enabled", "TLS is off: no SSLContext to build");
    char[] keyPassword = password(tls.keyStorePasswordFile(), "key-store-password-file");
    KeyStore keys = load(tls.keyStore(), keyPassword, "key-store");
    KeyStore trust = load(tls.trustStore(), password(tls.trustStorePasswordFile(), "trust-store-password-file"),
        "trust-store");
    try {
      requireEntry(keys, true, "key-store", "a private key with its certificate");
      requireEntry(trust, false, "trust-store", "a trusted CA certificate");
      KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keyManagers.init(keys, keyPassword);
      TrustManagerFactory trustManagers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trustManagers.init(trust);
      SSLContext context = SSLContext.getInstance(PROTOCOL);
      context.init(keyManagers.getKeyManagers(), trustManagers.getTrustManagers(), new SecureRandom());
      return context;
    } catch (GeneralSecurityException e) {
      throw new ConfigError("cannot set up TLS from " + PATH + ": " + e.getMessage(), e);
    }
  }

  /** The first line of a password file, without its line end. */
  static char[] password(String file, String key) {
    String text;
    try {
      text = Files.readString(Path.of(file));
    } catch (IOException e) {
      throw new ConfigError(PATH + "." + key, "cannot read password file '" + file + "': " + e);
    }
    String line = text.lines().findFirst().orElse("");
    if (line.isEmpty()) throw new ConfigError(PATH + "." + key, "password file '" + file + "' is empty");
    return line.toCharArray();
  }

  private static KeyStore load(String file, char[] password, String key) {
    try (InputStream in = Files.newInputStream(Path.of(file))) {
      // The default type (PKCS12) also reads JKS stores.
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(in, password);
      return store;
    } catch (IOException | GeneralSecurityException e) {
      throw new ConfigError(PATH + "." + key, "cannot open '" + file + "' (missing file or wrong password?): " + e);
    }
  }

  private static void requireEntry(KeyStore store, boolean privateKey, String key, String what)
      throws GeneralSecurityException {
    for (String alias : Collections.list(store.aliases())) {
      if (privateKey ? store.isKeyEntry(alias) : store.isCertificateEntry(alias)) return;
    }
    throw new ConfigError(PATH + "." + key, "holds no " + what);
  }
}
