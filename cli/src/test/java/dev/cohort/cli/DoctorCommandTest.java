package dev.cohort.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class DoctorCommandTest {
  private record Outcome(int exitCode, String out) {}

  private static Outcome doctor(String... args) {
    StringWriter out = new StringWriter();
    var cli = Main.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(new StringWriter()));
    String[] all = new String[args.length + 1];
    all[0] = "doctor";
    System.arraycopy(args, 0, all, 1, args.length);
    return new Outcome(cli.execute(all), out.toString());
  }

  @Test
  void theJsonReportNamesEngineDevicesThreadsAndAWorkingCpuStep() throws IOException {
    Outcome outcome = doctor("--json", "--device", "cpu");
    assertEquals(0, outcome.exitCode(), outcome.out());
    JsonNode report = new ObjectMapper().readTree(outcome.out());
    assertTrue(report.at("/engine/pytorch_version").asText().matches("\\d+\\.\\d+\\.\\d+.*"), outcome.out());
    assertTrue(Files.isDirectory(Path.of(report.at("/engine/native_library_path").asText())), outcome.out());
    for (String field : List.of("/engine/djl_version", "/engine/native_flavour", "/engine/features",
        "/java/version", "/threads/available_processors")) {
      assertFalse(report.at(field).isMissingNode(), field + " in " + outcome.out());
    }
    assertTrue(report.at("/threads/pytorch_intra_op").asInt() > 0, outcome.out());
    assertEquals("cpu", report.at("/devices/0/device").asText());
    assertTrue(report.at("/devices/0/memory_total_bytes").asLong() > 0, outcome.out());
    assertEquals("cpu", report.at("/selected/device").asText());
    assertTrue(report.at("/selected/ok").asBoolean() && report.at("/ok").asBoolean(), outcome.out());
    assertTrue(Double.isFinite(report.at("/selected/loss").asDouble()) && report.at("/selected/step_ms").asDouble() > 0,
        outcome.out());
  }

  @Test
  void aDeviceTheEngineCannotReachIsAFailedCheckWithItsReason() throws IOException {
    Outcome outcome = doctor("--json", "--device", "gpu:99");
    assertEquals(DoctorCommand.SMOKE_FAILED, outcome.exitCode(), outcome.out());
    JsonNode report = new ObjectMapper().readTree(outcome.out());
    assertFalse(report.at("/ok").asBoolean());
    assertTrue(report.at("/selected/error").asText().startsWith("train.device = gpu:99 but the PyTorch engine"),
        outcome.out());
  }

  @Test
  void theTextReportShowsTheSameFields() {
    Outcome outcome = doctor("--device", "cpu");
    assertEquals(0, outcome.exitCode(), outcome.out());
    for (String line : List.of("engine:", "selected:", "  device: cpu", "  ok: true")) {
      assertTrue(outcome.out().lines().anyMatch(l -> l.equals(line)), line + " in:\n" + outcome.out());
    }
  }
}
