package dev.vidgen.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.vidgen.check.Comparison;
import dev.vidgen.check.PipelineCaseRunner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Runs reference cases (public fixtures and the committed refgen sweeps under {@code fixtures/sweeps/<family>/})
 * through {@link PipelineCaseRunner}, the same code as {@code vidgen check}, and fails naming every stage that
 * differs from diffusers. A new case folder dropped into a sweep folder is tested without code changes.
 */
public final class CaseParity {
  private CaseParity() {}

  /**
   * The case folders of a family: the named public fixtures plus every folder under {@code fixtures/sweeps/<family>}
   * (relative names such as {@code sweeps/modelscope/ms-c20-h4-g2}), sorted.
   */
  public static Stream<String> cases(String family, String... publicCases) {
    List<String> names = new ArrayList<>(List.of(publicCases));
    Path sweep = Fixtures.root().resolve("sweeps").resolve(family);
    assertTrue(Files.isDirectory(sweep), "no sweep folder " + sweep + ". HINT: the sweep cases are made with "
        + "shared/refgen/make_case.py (commands in fixtures/sweeps/README.md) and copied byte for byte.");
    try (Stream<Path> s = Files.list(sweep)) {
      s.filter(p -> Files.isRegularFile(p.resolve("reference.json")))
          .map(p -> "sweeps/" + family + "/" + p.getFileName())
          .sorted()
          .forEach(names::add);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return names.stream();
  }

  /**
   * Runs a case and asserts every compared stage passes.
   *
   * @param fromSeed draw the noise from the recorded seed (seed-for-seed check) instead of passing it
   * @param required stages that must have been compared (so that a recipe that stops recording cannot pass)
   */
  public static List<Comparison> assertPasses(String caseName, boolean fromSeed, String... required) {
    Path dir = Fixtures.caseDir(caseName);
    List<Comparison> results = PipelineCaseRunner.run(dir, fromSeed, null);
    StringBuilder failures = new StringBuilder();
    for (Comparison c : results) {
      System.out.printf("[parity] %s%s %-45s max|d|=%.3e  tol=%.1e%n", caseName, fromSeed ? " (seed)" : "",
          c.stage(), c.maxAbsError(), c.tolerance());
      if (!c.passed()) {
        failures.append("\n  ").append(c.describe());
      }
    }
    if (failures.length() > 0) {
      fail(caseName + (fromSeed ? " from the seed" : "") + ": stages differ from diffusers:" + failures);
    }
    for (String stage : required) {
      assertTrue(results.stream().anyMatch(c -> c.stage().equals(stage)), caseName + ": stage " + stage
          + " was not compared");
    }
    return results;
  }
}
