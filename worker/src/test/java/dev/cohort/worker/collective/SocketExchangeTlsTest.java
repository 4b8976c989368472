package dev.cohort.worker.collective;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.cohort.cluster.HostPort;
import dev.cohort.placement.WorkerId;
import dev.cohort.tensor.DType;
import dev.cohort.wire.TensorPayload;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The data plane over TLS: workers holding a trusted key talk; a connection without one is refused. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SocketExchangeTlsTest {
  private static final String HOST = "127.0.0.1";
  private static final WorkerId W0 = new WorkerId("w0");
  private static final WorkerId W1 = new WorkerId("w1");
  private static final char[] PASSWORD = "cohort-test".toCharArray();
  private static final Duration WAIT = Duration.ofSeconds(20);
  /** The content type byte that starts a TLS alert record. */
  private static final byte TLS_ALERT = 21;

  @TempDir Path dir;

  @Test
  void workersWithTheTrustedKeyExchangeTensorsAndAPlainConnectionIsRefused() throws Exception {
    DataSockets tls = DataSockets.tls(context(selfSignedKeyStore()));
    try (SocketExchange w0 = SocketExchange.open(W0, HOST, 0, tls);
        SocketExchange w1 = SocketExchange.open(W1, HOST, 0, tls)) {
      Map<WorkerId, String> addresses = Map.of(W0, w0.dataAddress(), W1, w1.dataAddress());
      w0.connect(addresses);
      w1.connect(addresses);
      TensorPayload tensor = new TensorPayload(DType.I32, new long[] {2}, new byte[] {1, 0, 0, 0, 2, 0, 0, 0});

      w0.send(W1, new TensorKey(1, 0, "act", 0, W0.value()), tensor);
      w1.send(W0, new TensorKey(1, 0, "grad", 0, W1.value()), tensor);

      assertEquals(tensor, w1.receive(new TensorKey(1, 0, "act", 0, W0.value()), WAIT));
      assertEquals(tensor, w0.receive(new TensorKey(1, 0, "grad", 0, W1.value()), WAIT));
      try (Socket plain = new Socket(HOST, HostPort.parse(w1.dataAddress()).port())) {
        plain.setSoTimeout((int) WAIT.toMillis());
        DataOutputStream out = new DataOutputStream(plain.getOutputStream());
        out.writeInt(0x43_48_4c_4f); // a plain-text hello: not a TLS handshake
        out.flush();
        assertRefusedWithAnAlert(plain.getInputStream());
      }
    }
  }

  /** A TLS server answers a plain hello with nothing but TLS alert records, then closes (a read timeout fails). */
  private static void assertRefusedWithAnAlert(InputStream in) throws IOException {
    ByteArrayOutputStream answer = new ByteArrayOutputStream();
    try {
      in.transferTo(answer);
    } catch (SocketException reset) {
      // Closed with a reset instead of a FIN: refused all the same.
    }
    byte[] bytes = answer.toByteArray();
    assertTrue(bytes.length == 0 || bytes[0] == TLS_ALERT, "a plain connection got " + bytes.length
        + " bytes that are not a TLS alert");
  }

  private KeyStore selfSignedKeyStore() throws IOException, InterruptedException, GeneralSecurityException {
    Path store = dir.resolve("worker.p12");
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    Process process = new ProcessBuilder(List.of(keytool, "-genkeypair", "-alias", "worker", "-keyalg", "EC",
        "-groupname", "secp256r1", "-dname", "CN=cohort-worker", "-validity", "2", "-storetype", "PKCS12",
        "-keystore", store.toString(), "-storepass", new String(PASSWORD)))
        .redirectErrorStream(true).start();
    assertTrue(process.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS), "keytool did not finish");
    assertEquals(0, process.exitValue(), new String(process.getInputStream().readAllBytes()));
    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      keys.load(in, PASSWORD);
    }
    return keys;
  }

  /** One context for both sides: every worker holds the key and trusts its certificate. */
  private static SSLContext context(KeyStore keys) throws GeneralSecurityException {
    KeyManagerFactory keyManagers = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    keyManagers.init(keys, PASSWORD);
    TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(keys);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(keyManagers.getKeyManagers(), trust.getTrustManagers(), null);
    return context;
  }
}
