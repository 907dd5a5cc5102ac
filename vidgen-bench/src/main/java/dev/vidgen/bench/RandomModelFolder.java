package dev.vidgen.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.vidgen.models.autoencoders.AutoencoderKLConfig;
import dev.vidgen.models.modelscope.UNet3DConditionModel;
import dev.vidgen.models.modelscope.UNet3DConfig;
import dev.vidgen.text.CLIPTextConfig;
import dev.vidgen.text.CLIPTextModel;
import dev.vidgen.weights.JsonConfig;
import dev.vidgen.weights.RandomWeights;
import dev.vidgen.weights.WeightLoader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * A complete diffusers {@code TextToVideoSDPipeline} folder with random weights, written once and then reused, so
 * that the sampling-loop benchmark and the memory harness run the product path ({@link
 * dev.vidgen.api.VideoPipeline#load(Path)}: strict safetensors loading, the real pipeline recipe) at a realistic
 * size without downloading a checkpoint.
 *
 * <p>Contents: the UNet config of {@link BenchModels#unetJson} ({@code modelscope-shaped} or {@code modelscope}),
 * the real ModelScope text encoder and VAE configs, the DDIM scheduler and the (small) CLIP tokenizer of the
 * {@code modelscope-tiny} fixture: token ids only select embedding rows, so the tokenizer's vocabulary does not
 * change the cost. Weights come from {@link RandomWeights} with a fixed seed, so the folder is the same on every
 * machine. The folder is written to a temporary sibling and moved into place, so an interrupted write is never
 * mistaken for a finished one. Location: {@code -Dvidgen.bench.cache} (default {@code ~/.cache/vidgen/bench}).
 */
final class RandomModelFolder {
  /** Bump when the content changes. */
  private static final String VERSION = "v1";

  private RandomModelFolder() {}

  /** The folder for a UNet config name, written on first use (several GB for the ModelScope shapes). */
  static Path get(String unetConfig) {
    Path base = cacheDir();
    Path target = base.resolve(unetConfig + "-random-" + VERSION);
    if (Files.isRegularFile(target.resolve("model_index.json"))) {
      return target;
    }
    try {
      Files.createDirectories(base);
      Path tmp = Files.createTempDirectory(base, target.getFileName() + ".tmp");
      try {
        System.out.println("writing random-weight pipeline folder " + target + " (once)");
        write(unetConfig, tmp);
        try {
          Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
          // another process finished first: keep its copy
        } catch (IOException e) {
          if (!Files.isRegularFile(target.resolve("model_index.json"))) {
            throw e;
          }
        }
      } finally {
        deleteTree(tmp);
      }
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the benchmark model folder " + target, e);
    }
  }

  static Path cacheDir() {
    String p = System.getProperty("vidgen.bench.cache");
    return p != null && !p.isBlank() ? Path.of(p)
        : Path.of(System.getProperty("user.home", "."), ".cache", "vidgen", "bench");
  }

  /** Total bytes of the weight files of a folder (what "the size of the weights" means in the memory report). */
  static long weightBytes(Path folder) {
    try (Stream<Path> files = Files.walk(folder)) {
      return files.filter(f -> f.toString().endsWith(".safetensors")).mapToLong(f -> {
        try {
          return Files.size(f);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }).sum();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void write(String unetConfig, Path dir) throws IOException {
    JsonConfig unet = BenchModels.unetJson(unetConfig);
    JsonConfig vae = BenchModels.vaeJson();
    JsonConfig text = BenchModels.textEncoderJson();
    copyResource("tiny/model_index.json", dir.resolve("model_index.json"));
    copyResource("tiny/scheduler/scheduler_config.json", dir.resolve("scheduler/scheduler_config.json"));
    for (String f : new String[] {"merges.txt", "special_tokens_map.json", "tokenizer.json", "tokenizer_config.json",
        "vocab.json"}) {
      copyResource("tiny/tokenizer/" + f, dir.resolve("tokenizer").resolve(f));
    }
    writeJson(unet, dir.resolve("unet/config.json"));
    writeJson(vae, dir.resolve("vae/config.json"));
    writeJson(text, dir.resolve("text_encoder/config.json"));
    writeRandom(loader -> new UNet3DConditionModel(UNet3DConfig.parse(unet), loader.root()),
        dir.resolve("unet/diffusion_pytorch_model.safetensors"));
    writeRandom(loader -> new dev.vidgen.models.autoencoders.AutoencoderKL(AutoencoderKLConfig.parse(vae),
        loader.root()), dir.resolve("vae/diffusion_pytorch_model.safetensors"));
    writeRandom(loader -> new CLIPTextModel(CLIPTextConfig.parse(text), loader.root()),
        dir.resolve("text_encoder/model.safetensors"));
  }

  /** Builds a model on random weights and writes every tensor it requested, under its diffusers name. */
  private static void writeRandom(Function<WeightLoader, ?> constructor, Path file) throws IOException {
    try (ai.djl.ndarray.NDManager manager = ai.djl.ndarray.NDManager.newBaseManager(ai.djl.Device.cpu(), "PyTorch")) {
      WeightLoader loader = new WeightLoader(new RandomWeights(BenchModels.WEIGHT_SEED), manager, DataType.FLOAT32);
      constructor.apply(loader);
      writeSafetensors(loader.parameters(), file);
    }
  }

  /**
   * Streams float32 tensors to a safetensors file (header, then the data in header order), one tensor in memory at a
   * time: {@link dev.vidgen.weights.SafetensorsWriter} holds every tensor on the heap, which for a 1.4 GB text
   * encoder would need a larger heap than a benchmark fork has.
   */
  static void writeSafetensors(Map<String, NDArray> tensors, Path file) throws IOException {
    if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
      throw new IllegalStateException("safetensors is little-endian; this writer copies libtorch's native-order "
          + "buffers and so needs a little-endian machine");
    }
    JsonObject header = new JsonObject();
    long offset = 0;
    for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
      NDArray a = e.getValue();
      if (a.getDataType() != DataType.FLOAT32) {
        throw new IllegalArgumentException(e.getKey() + ": expected float32, got " + a.getDataType());
      }
      JsonObject t = new JsonObject();
      t.addProperty("dtype", "F32");
      JsonArray shape = new JsonArray();
      for (long d : a.getShape().getShape()) {
        shape.add(d);
      }
      t.add("shape", shape);
      JsonArray off = new JsonArray();
      off.add(offset);
      offset += a.getShape().size() * 4;
      off.add(offset);
      t.add("data_offsets", off);
      header.add(e.getKey(), t);
    }
    byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
    int padded = (json.length + 7) / 8 * 8; // the format pads the header with spaces to a multiple of 8
    ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
    head.putLong(padded).put(json);
    while (head.hasRemaining()) {
      head.put((byte) ' ');
    }
    head.flip();
    Files.createDirectories(file.getParent());
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      writeFully(ch, head);
      for (NDArray a : tensors.values()) {
        writeFully(ch, a.toByteBuffer()); // the machine's byte order, checked little-endian above
      }
    }
  }

  private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      ch.write(b);
    }
  }

  private static void writeJson(JsonConfig config, Path file) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, new GsonBuilder().setPrettyPrinting().create().toJson(config.json()) + "\n");
  }

  private static void copyResource(String name, Path file) throws IOException {
    Files.createDirectories(file.getParent());
    Files.writeString(file, BenchModels.resourceText(name));
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
        Files.deleteIfExists(p);
      }
    }
  }
}
