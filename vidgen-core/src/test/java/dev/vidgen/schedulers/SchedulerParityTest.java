package dev.vidgen.schedulers;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonPrimitive;
import dev.vidgen.check.Comparison;
import dev.vidgen.check.SchedulerCaseRunner;
import dev.vidgen.testing.Fixtures;
import dev.vidgen.weights.JsonConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every scheduler case under {@code fixtures/schedulers/} (diffusers v0.32.2 runs, see fixtures/README.md) replayed
 * by {@link SchedulerCaseRunner}: timesteps exact, sigmas and init_noise_sigma within 1e-6 relative, every
 * scaled input and step output within 1e-5 × max(1, max|reference|). Cases added later in the same format run too.
 */
class SchedulerParityTest {

  static List<Path> cases() {
    Path root = Fixtures.root().resolve("schedulers");
    try (Stream<Path> s = Files.list(root)) {
      List<Path> cases = s.filter(p -> Files.isRegularFile(p.resolve("reference.json"))).sorted()
          .collect(Collectors.toList());
      if (cases.isEmpty()) {
        fail("no scheduler cases under " + root + ". HINT: copy shared/fixtures/schedulers byte for byte.");
      }
      return cases;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @TestFactory
  Stream<DynamicTest> everyCaseMatchesDiffusers() {
    return cases().stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> {
      List<Comparison> comparisons = SchedulerCaseRunner.run(dir);
      report(dir, comparisons);
      assertAllPassed(dir, comparisons);
    }));
  }

  static void report(Path dir, List<Comparison> comparisons) {
    double worstSample = 0;
    for (Comparison c : comparisons) {
      if (c.stage().startsWith("step") && c.stage().endsWith("prev_sample")) {
        worstSample = Math.max(worstSample, c.maxAbsError());
      }
    }
    System.out.printf("%-18s %d stages, max|Δ| prev_sample %.3g%n", dir.getFileName(), comparisons.size(),
        worstSample);
    for (Comparison c : comparisons) {
      if (!c.stage().endsWith(".timestep")) {
        System.out.println("  " + c.line());
      }
    }
  }

  static void assertAllPassed(Path dir, List<Comparison> comparisons) {
    assertFalse(comparisons.isEmpty(), "no stages compared for " + dir);
    StringBuilder failures = new StringBuilder();
    for (Comparison c : comparisons) {
      if (!c.passed()) {
        failures.append("\n  ").append(c.describe());
      }
    }
    if (failures.length() > 0) {
      fail(dir.getFileName() + " differs from diffusers:" + failures);
    }
  }

  /** The comparison must be able to fail: flipping prediction_type (or the spacing) breaks every case. */
  @TestFactory
  Stream<DynamicTest> aWrongConfigFailsTheComparison() {
    return cases().stream().map(dir -> DynamicTest.dynamicTest(dir.getFileName().toString(), () -> {
      JsonConfig config = JsonConfig.read(dir.resolve("scheduler_config.json"));
      JsonConfig wrong = deliberatelyWrong(config);
      List<Comparison> comparisons = SchedulerCaseRunner.run(dir, wrong);
      assertTrue(comparisons.stream().anyMatch(c -> !c.passed()),
          "a deliberately wrong config (" + wrong.json() + ") still passed every stage of " + dir.getFileName());
    }));
  }

  /** prediction_type flipped where the class has one; flow matching gets another shift instead. */
  static JsonConfig deliberatelyWrong(JsonConfig config) {
    if (config.json().has("prediction_type")) {
      String p = config.json().get("prediction_type").getAsString();
      return config.with("prediction_type", new JsonPrimitive(p.equals("epsilon") ? "v_prediction" : "epsilon"));
    }
    return config.with("invert_sigmas", new JsonPrimitive(!config.json().get("invert_sigmas").getAsBoolean()));
  }

  /** The flipped prediction type of one case, reported in detail: the first step already diverges. */
  @Test
  void flippedPredictionTypeFailsAtTheFirstStep() {
    Path dir = Fixtures.caseDir("schedulers/ddim-modelscope");
    JsonConfig wrong = JsonConfig.read(dir.resolve("scheduler_config.json"))
        .with("prediction_type", new JsonPrimitive("v_prediction"));
    List<Comparison> comparisons = SchedulerCaseRunner.run(dir, wrong);
    Comparison first = comparisons.stream().filter(c -> c.stage().equals("step0.prev_sample")).findFirst()
        .orElseThrow();
    assertFalse(first.passed(), first.describe());
    assertTrue(comparisons.stream().filter(c -> c.stage().equals("timesteps")).allMatch(Comparison::passed));
  }
}
