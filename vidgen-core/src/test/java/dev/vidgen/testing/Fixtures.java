package dev.vidgen.testing;

import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.vidgen.api.HostTensor;
import dev.vidgen.check.PipelineCaseRunner;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * Access to the reference fixtures copied into {@code fixtures/} (see its README): a case's folder, its
 * {@code reference.json} and the tensors of its {@code reference.safetensors} as host tensors.
 */
public final class Fixtures {
  private Fixtures() {}

  /** The fixtures root: system property {@code vidgen.fixtures} (set by Maven), else {@code ../fixtures}. */
  public static Path root() {
    String p = System.getProperty("vidgen.fixtures");
    Path root = p != null ? Path.of(p) : Path.of("..", "fixtures");
    if (!Files.isDirectory(root)) {
      root = Path.of("..", "..", "fixtures");
    }
    if (!Files.isDirectory(root)) {
      fail("fixtures folder not found (looked at " + p + " and ../fixtures). HINT: the fixtures are copied from "
          + "shared/fixtures into the repository's fixtures/ folder; run the tests through Maven from the root.");
    }
    return root;
  }

  public static Path caseDir(String name) {
    Path dir = root().resolve(name);
    if (!Files.isDirectory(dir)) {
      fail("fixture case '" + name + "' is missing under " + root() + ". HINT: copy it byte for byte from "
          + "shared/fixtures/" + name + " (made by diffusers v0.32.2; see fixtures/README.md).");
    }
    return dir;
  }

  public static JsonObject referenceJson(Path caseDir) {
    try {
      return JsonParser.parseString(Files.readString(caseDir.resolve("reference.json"))).getAsJsonObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** All tensors of {@code reference.safetensors}, converted to float32 host tensors (ids included). */
  public static Map<String, HostTensor> reference(Path caseDir) {
    return new TreeMap<>(PipelineCaseRunner.readTensors(caseDir.resolve("reference.safetensors")));
  }
}
