package dev.vidgen.weights;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import dev.vidgen.api.VidgenException;
import dev.vidgen.testing.TorchSaveWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded fuzzing of the checkpoint reader: pickles derived from a real torch.save state dict by flipping, inserting,
 * deleting and truncating bytes, plus opcode soups. Each must either be refused with a {@link VidgenException} that
 * names the file, or (rarely: a flipped byte inside a key still makes a valid pickle) open as a state dict whose every
 * tensor then loads. Any other outcome (another exception type, a hang, a JVM crash) fails the test; the seed of the
 * failing case is in the message, so it can be replayed.
 */
class TorchPickleFuzzTest {
  static final long SEED = 20240617L;
  static final int CASES = 3000;
  static final int REQUIRED_REFUSALS = 2000;
  /** The opcodes of pickle protocols 0 to 5, so soups hit the reader's dispatch often. */
  static final byte[] OPCODES = "()*.0123FGIJKLMNPQRSTUVXabcdeghijlopqrstu}]".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  @TempDir Path tmp;

  @Test
  void fuzzedPicklesAreRefusedCleanlyOrLoadCompletely() throws IOException {
    Path base = tmp.resolve("base.bin");
    new TorchSaveWriter().putFloat32("conv.weight", new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6})
        .putFloat32("conv.bias", new long[] {3}, new float[] {7, 8, 9})
        .putFloat32("norm.weight", new long[] {1, 1, 2}, new float[] {1, 2})
        .asParameters(true).layout(TorchSaveWriter.Layout.SHARED).write(base);
    Map<String, byte[]> entries = new LinkedHashMap<>();
    try (ZipFile z = new ZipFile(base.toFile())) {
      for (var en = z.entries(); en.hasMoreElements(); ) {
        var e = en.nextElement();
        entries.put(e.getName(), z.getInputStream(e).readAllBytes());
      }
    }
    byte[] pkl = entries.get("archive/data.pkl");
    int refused = 0;
    int loaded = 0;
    long start = System.nanoTime();
    try (NDManager m = NDManager.newBaseManager(Device.cpu())) {
      for (int i = 0; i < CASES; i++) {
        long seed = SEED + i;
        byte[] fuzzed = mutate(pkl, new SplittableRandom(seed));
        Path file = tmp.resolve("fuzz-" + i + ".bin");
        Map<String, byte[]> e = new LinkedHashMap<>(entries);
        e.put("archive/data.pkl", fuzzed);
        TorchSaveWriter.writeZip(file, e);
        try (TorchCheckpoint ckpt = TorchCheckpoint.open(file); NDManager scope = m.newSubManager()) {
          for (String key : ckpt.keys()) {
            ckpt.load(key, scope, DataType.FLOAT32);
          }
          loaded++;
        } catch (VidgenException ex) {
          if (ex.getMessage() == null || !ex.getMessage().contains(file.getFileName().toString())) {
            fail("case seed " + seed + ": the error does not name the file: " + ex.getMessage());
          }
          refused++;
        } catch (RuntimeException | Error ex) {
          throw new AssertionError("case seed " + seed + " (" + Arrays.toString(Arrays.copyOf(fuzzed,
              Math.min(64, fuzzed.length))) + "...) escaped as " + ex, ex);
        }
        java.nio.file.Files.delete(file);
      }
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf("TorchPickleFuzzTest: %d cases, %d refused with a clear error, %d valid state dicts loaded, "
        + "%.1f s%n", CASES, refused, loaded, seconds);
    assertTrue(refused >= REQUIRED_REFUSALS, "only " + refused + " of " + CASES + " fuzzed pickles were refused");
  }

  /** One of six mutations, chosen by the seed. */
  static byte[] mutate(byte[] pkl, SplittableRandom r) {
    byte[] b = pkl.clone();
    switch (r.nextInt(6)) {
      case 0 -> { // flip 1..4 bytes
        for (int n = 1 + r.nextInt(4); n > 0; n--) {
          b[r.nextInt(b.length)] ^= (byte) (1 + r.nextInt(255));
        }
        return b;
      }
      case 1 -> { // truncate
        return Arrays.copyOf(b, r.nextInt(b.length));
      }
      case 2 -> { // insert random bytes
        int at = r.nextInt(b.length);
        byte[] ins = new byte[1 + r.nextInt(16)];
        for (int i = 0; i < ins.length; i++) {
          ins[i] = (byte) r.nextInt(256);
        }
        byte[] out = new byte[b.length + ins.length];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(ins, 0, out, at, ins.length);
        System.arraycopy(b, at, out, at + ins.length, b.length - at);
        return out;
      }
      case 3 -> { // delete a range
        int at = r.nextInt(b.length);
        int len = 1 + r.nextInt(Math.min(32, b.length - at));
        byte[] out = new byte[b.length - len];
        System.arraycopy(b, 0, out, 0, at);
        System.arraycopy(b, at + len, out, at, b.length - at - len);
        return out;
      }
      case 4 -> { // overwrite bytes with opcodes
        for (int n = 1 + r.nextInt(6); n > 0; n--) {
          b[r.nextInt(b.length)] = OPCODES[r.nextInt(OPCODES.length)];
        }
        return b;
      }
      default -> { // an opcode soup with random operands
        byte[] out = new byte[2 + r.nextInt(200)];
        out[0] = (byte) 0x80;
        out[1] = 2;
        for (int i = 2; i < out.length; i++) {
          out[i] = r.nextInt(3) == 0 ? (byte) r.nextInt(256) : OPCODES[r.nextInt(OPCODES.length)];
        }
        return out;
      }
    }
  }
}
