package dev.cohort.cluster;

import dev.cohort.config.TlsConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Key and trust stores made with the JDK's keytool, as README "Security" tells an operator to: a CA per name, node
 * keys signed by a CA, a trust store holding one CA. Every store of a directory shares one password, kept in a file.
 */
final class TestCertificates {
  private static final long KEYTOOL_TIMEOUT_SECONDS = 60;
  private static final String KEYTOOL = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();

  private final Path dir;
  private final Path passwordFile;
  private final String password;

  TestCertificates(Path dir) throws IOException {
    this.dir = dir;
    this.password = "test-" + Long.toHexString(System.nanoTime());
    this.passwordFile = Files.writeString(dir.resolve("password.txt"), password + "\n", StandardCharsets.UTF_8);
  }

  Path passwordFile() {
    return passwordFile;
  }

  /** A self-signed CA: {@code <ca>.p12} holds its key, {@code <ca>.pem} its certificate. */
  void ca(String ca) {
    keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + ca,
        "-ext", "bc:c", "-validity", "30", "-keystore", store(ca));
    keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", store(ca), "-file", file(ca + ".pem"));
  }

  /** {@code <node>.p12}: the node's key with its certificate signed by {@code ca}, chain included. */
  Path node(String node, String ca) {
    keytool("-genkeypair", "-alias", "node", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + node,
        "-validity", "30", "-keystore", store(node));
    keytool("-certreq", "-alias", "node", "-keystore", store(node), "-file", file(node + ".csr"));
    keytool("-gencert", "-alias", "ca", "-keystore", store(ca), "-infile", file(node + ".csr"), "-outfile",
        file(node + ".pem"), "-rfc", "-validity", "30", "-ext", "ku:c=digitalSignature",
        "-ext", "eku=serverAuth,clientAuth", "-ext", "san=ip:127.0.0.1");
    keytool("-importcert", "-noprompt", "-alias", "ca", "-file", file(ca + ".pem"), "-keystore", store(node));
    keytool("-importcert", "-alias", "node", "-file", file(node + ".pem"), "-keystore", store(node));
    return dir.resolve(node + ".p12");
  }

  /** {@code <name>.p12} trusting only {@code ca}. */
  Path trustStore(String name, String ca) {
    keytool("-importcert", "-noprompt", "-alias", ca, "-file", file(ca + ".pem"), "-keystore", store(name));
    return dir.resolve(name + ".p12");
  }

  TlsConfig tls(Path keyStore, Path trustStore) {
    return new TlsConfig(true, keyStore.toString(), passwordFile.toString(), trustStore.toString(),
        passwordFile.toString());
  }

  private String store(String name) {
    return file(name + ".p12");
  }

  private String file(String name) {
    return dir.resolve(name).toString();
  }

  private void keytool(String... args) {
    List<String> command = new ArrayList<>(List.of(KEYTOOL, "-J-XX:TieredStopAtLevel=1"));
    command.addAll(List.of(args));
    command.addAll(List.of("-storepass", password));
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      if (!process.waitFor(KEYTOOL_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException("keytool did not finish within " + KEYTOOL_TIMEOUT_SECONDS + " s: " + command);
      }
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (process.exitValue() != 0) throw new IllegalStateException("keytool failed: " + command + "\n" + output);
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + KEYTOOL, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted running keytool", e);
    }
  }
}
