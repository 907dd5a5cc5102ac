package dev.vidgen.pipeline;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Starts libtorch the way vidgen needs it, once, on first use (never at class-load time): DJL's offline mode (the
 * native library comes from the {@code pytorch-native-*} jar on the class path, nothing is downloaded) and no
 * usage tracking. A user can still set {@code ai.djl.offline=false} to let DJL fetch another libtorch.
 */
public final class EngineSetup {
  private static volatile Engine engine;

  private EngineSetup() {}

  /** The PyTorch engine, started with vidgen's settings. */
  public static Engine engine() {
    Engine e = engine;
    if (e == null) {
      synchronized (EngineSetup.class) {
        if (engine == null) {
          if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
          }
          if (System.getProperty("OPT_OUT_TRACKING") == null && System.getenv("OPT_OUT_TRACKING") == null) {
            System.setProperty("OPT_OUT_TRACKING", "true");
          }
          engine = Engine.getEngine("PyTorch");
        }
        e = engine;
      }
    }
    return e;
  }

  /**
   * Parses a device name: {@code cpu}, {@code gpu}/{@code cuda} (first GPU), {@code cuda:N}/{@code gpu:N}, or
   * {@code auto} (the first GPU when libtorch sees one, else the CPU).
   */
  public static Device device(String name) {
    String n = name.trim().toLowerCase(java.util.Locale.ROOT);
    if (n.equals("cpu")) {
      return Device.cpu();
    }
    if (n.equals("auto")) {
      return engine().getGpuCount() > 0 ? Device.gpu() : Device.cpu();
    }
    int idx = 0;
    String kind = n;
    int colon = n.indexOf(':');
    if (colon > 0) {
      kind = n.substring(0, colon);
      try {
        idx = Integer.parseInt(n.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("device '" + name + "': expected cpu, auto, cuda or cuda:N");
      }
    }
    if (!kind.equals("cuda") && !kind.equals("gpu")) {
      throw new IllegalArgumentException("device '" + name + "': expected cpu, auto, cuda or cuda:N");
    }
    int gpus = engine().getGpuCount();
    if (idx >= gpus) {
      throw new IllegalArgumentException("device '" + name + "': libtorch sees " + gpus + " GPU(s). To use CUDA, "
          + "replace ai.djl.pytorch:pytorch-native-cpu by the matching CUDA native artifact (see README).");
    }
    return Device.gpu(idx);
  }

  /** libtorch's intra-op thread count (defaults to the number of cores). */
  public static void setThreads(int threads) {
    engine();
    JniUtils.setNumThreads(threads);
  }

  public static int threads() {
    engine();
    return JniUtils.getNumThreads();
  }
}
