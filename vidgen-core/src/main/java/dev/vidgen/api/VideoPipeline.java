package dev.vidgen.api;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;
import static com.google.common.base.Preconditions.checkState;

import ai.djl.Device;
import dev.vidgen.hub.HubConfig;
import dev.vidgen.hub.ModelLocator;
import dev.vidgen.hub.ModelResolver;
import dev.vidgen.pipeline.EngineSetup;
import dev.vidgen.spi.GenerationDefaults;
import dev.vidgen.spi.LoadOptions;
import dev.vidgen.spi.ModelIndex;
import dev.vidgen.spi.ModelPipeline;
import dev.vidgen.spi.ModelProvider;
import dev.vidgen.spi.ModelRegistry;
import dev.vidgen.spi.ModelVariant;
import dev.vidgen.spi.RemoteModelProvider;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A loaded video model, ready to generate. The entry point of vidgen:
 *
 * <pre>{@code
 * try (VideoPipeline p = VideoPipeline.load("modelscope")) {
 *   Video v = p.generate(GenerationRequest.builder().prompt("an astronaut riding a horse").frames(16).seed(42).build());
 *   v.save(Path.of("out.mp4"));
 * }
 * }</pre>
 *
 * <p>{@link #load(String)} takes a model id or alias ({@code modelscope}, {@code zeroscope-v2-576w}, ...), a Hugging
 * Face repository id, the path of a diffusers folder, or {@code <provider>:<model>} for a model that a remote
 * provider runs on its service ({@code runway:gen4.5}; see {@link RemoteModelProvider}). The pipeline owns its weights' native memory until
 * {@link #close()}. It is safe to use from one thread at a time; load one per thread for parallel generation, or
 * share one behind a queue.
 */
public final class VideoPipeline implements AutoCloseable {
  private final ModelPipeline impl;
  private final String model;
  private final boolean owner;
  private boolean closed;

  private VideoPipeline(ModelPipeline impl, String model, boolean owner) {
    this.impl = impl;
    this.model = model;
    this.owner = owner;
  }

  /** Loads a model by id, alias, repository id or folder path, on the CPU in float32. */
  public static VideoPipeline load(String idOrPath) {
    return builder().model(idOrPath).build();
  }

  /** Loads a diffusers folder. */
  public static VideoPipeline load(Path folder) {
    return builder().folder(folder).build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Every model name the installed providers serve. */
  public static List<ModelInfo> models() {
    return models(ModelRegistry.installed());
  }

  static List<ModelInfo> models(ModelRegistry registry) {
    List<ModelInfo> out = new ArrayList<>();
    for (ModelProvider p : registry.providers()) {
      for (ModelVariant v : p.variants()) {
        out.add(new ModelInfo(p.id(), v.alias(), v.repoIds(), v.description(), v.note(),
            List.copyOf(p.pipelineClasses())));
      }
    }
    return out;
  }

  /** Generates a video. Fields the request leaves unset take this model's {@link #defaults()}. */
  public Video generate(GenerationRequest request) {
    checkNotNull(request, "request");
    checkState(!closed, "this VideoPipeline is closed");
    checkArgument(request.imageUri() == null || impl.acceptsImageUri(), "imageUri is passed on to remote models only; "
        + "'%s' runs here and needs the image itself: set GenerationRequest.image(...)", model);
    return impl.generate(request, model);
  }

  /**
   * A view that samples with another scheduler (class name such as {@code DPMSolverMultistepScheduler}, or alias
   * such as {@code dpm++}), built from this model's scheduler config as diffusers' {@code from_config} does. It
   * shares the loaded weights; closing it does not free them.
   */
  public VideoPipeline withScheduler(String scheduler) {
    checkState(!closed, "this VideoPipeline is closed");
    return new VideoPipeline(impl.withScheduler(checkNotNull(scheduler, "scheduler")), model, false);
  }

  /** The model's defaults for unset request fields. */
  public GenerationDefaults defaults() {
    return impl.defaults();
  }

  public String schedulerName() {
    return impl.schedulerName();
  }

  public String pipelineClass() {
    return impl.pipelineClass();
  }

  /**
   * Diagnostic: native arrays this pipeline holds now (its weights, plus anything leaked). Stays the same across
   * generations; see the memory harness in {@code vidgen-bench}.
   */
  public long liveNativeArrays() {
    return impl.liveNativeArrays();
  }

  /** What was loaded (id, alias or folder). */
  public String model() {
    return model;
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      if (owner) {
        impl.close();
      }
    }
  }

  /** Configures and loads a {@link VideoPipeline}. */
  public static final class Builder {
    private String model;
    private Path folder;
    private String device = "cpu";
    private Precision precision = Precision.FLOAT32;
    private String scheduler;
    private String variant;
    private Integer threads;
    private ModelRegistry registry;
    private ModelLocator locator;
    private HubConfig hub;
    private String revision;
    private Boolean offline;
    private DownloadListener downloadListener;
    private final Map<String, String> options = new LinkedHashMap<>();

    private Builder() {}

    /**
     * A model id or alias ({@code modelscope}), a Hugging Face repository id ({@code org/name} or {@code
     * org/name@revision}; downloaded into the Hugging Face cache when missing), or a folder path.
     */
    public Builder model(String idOrPath) {
      checkArgument(idOrPath != null && !idOrPath.isBlank(), "model must be a non-empty id or path");
      this.model = idOrPath;
      return this;
    }

    public Builder folder(Path folder) {
      this.folder = checkNotNull(folder, "folder");
      return this;
    }

    /** {@code cpu} (default), {@code auto}, {@code cuda} or {@code cuda:N}. */
    public Builder device(String device) {
      this.device = checkNotNull(device, "device");
      return this;
    }

    public Builder precision(Precision precision) {
      this.precision = checkNotNull(precision, "precision");
      return this;
    }

    /** A scheduler class name or alias to use instead of the model's own. */
    public Builder scheduler(String scheduler) {
      this.scheduler = scheduler;
      return this;
    }

    /** Weight variant, e.g. {@code fp16} for {@code *.fp16.safetensors}. */
    public Builder variant(String variant) {
      this.variant = variant;
      return this;
    }

    /** libtorch's intra-op threads (process-wide; default: the number of cores). */
    public Builder threads(int threads) {
      checkArgument(threads >= 1, "threads must be >= 1 but was %s", threads);
      this.threads = threads;
      return this;
    }

    /** Uses these providers instead of the ones {@link java.util.ServiceLoader} finds (plugin hosts, tests). */
    public Builder registry(ModelRegistry registry) {
      this.registry = checkNotNull(registry, "registry");
      return this;
    }

    /** Where to look for downloaded models (default: this process's environment). */
    public Builder locator(ModelLocator locator) {
      this.locator = checkNotNull(locator, "locator");
      return this;
    }

    /** The Hub and cache to use (default: from the locator's environment, see {@link HubConfig}). */
    public Builder hub(HubConfig hub) {
      this.hub = checkNotNull(hub, "hub");
      return this;
    }

    /** The repository revision (branch, tag or commit) to load; default {@code main}. */
    public Builder revision(String revision) {
      checkArgument(revision != null && !revision.isBlank(), "revision must be a non-empty branch, tag or commit");
      this.revision = revision;
      return this;
    }

    /** True: never contact the Hub, load from the cache only (as {@code HF_HUB_OFFLINE=1}). */
    public Builder offline(boolean offline) {
      this.offline = offline;
      return this;
    }

    /** Receives progress events while weights download. */
    public Builder onDownload(DownloadListener listener) {
      this.downloadListener = checkNotNull(listener, "listener");
      return this;
    }

    /**
     * A provider-specific option, e.g. {@code option("runway.timeout", "PT10M")}: the chosen provider must list the
     * name in {@link ModelProvider#optionNames()}, else loading fails naming the option and the names it knows. Values
     * may be secrets (API keys); vidgen never prints them.
     */
    public Builder option(String name, String value) {
      checkArgument(name != null && !name.isBlank(), "option name must be non-empty");
      checkArgument(value != null, "option '%s' needs a value (null given)", name);
      options.put(name, value);
      return this;
    }

    public VideoPipeline build() {
      checkState(model != null || folder != null, "set model(...) or folder(...)");
      ModelRegistry reg = registry != null ? registry : ModelRegistry.installed();
      RemoteModelProvider remote = folder == null ? reg.findRemote(model) : null;
      if (remote != null) {
        return connect(remote, reg);
      }
      EngineSetup.engine();
      if (threads != null) {
        EngineSetup.setThreads(threads);
      }
      Device dev = EngineSetup.device(device);
      checkArgument(dev.isGpu() || precision == Precision.FLOAT32,
          "precision %s needs a GPU; on the CPU use FLOAT32", precision);
      checkArgument(precision != Precision.BFLOAT16, "precision BFLOAT16 is not available yet: DJL 0.36's PyTorch "
          + "binding aborts the JVM when it converts tensors to bfloat16; use FLOAT16 on GPUs");
      ModelLocator loc = locator != null ? locator : ModelLocator.system();
      HubConfig hubConfig = hub != null ? hub : loc.hubConfig();
      if (offline != null) {
        hubConfig = hubConfig.withOffline(offline);
      }
      if (downloadListener != null) {
        hubConfig = hubConfig.withListener(downloadListener);
      }
      Path dir = folder;
      String name = model;
      ModelProvider provider = null;
      ModelVariant chosen = null;
      if (dir == null) {
        ModelRegistry.Match bare = reg.find(model);
        if (bare != null && bare.provider() instanceof RemoteModelProvider r) {
          throw new ModelNotFoundException("'" + model + "' is the remote provider " + r.id() + "; name one of its "
              + "models as " + r.id() + ":<model>, e.g. " + r.variants().stream().map(ModelVariant::alias).toList());
        }
        ModelResolver.Resolved r = new ModelResolver(reg, loc, hubConfig).resolve(model, revision, variant);
        dir = r.folder();
        if (r.match() != null) {
          provider = r.match().provider();
          chosen = r.match().variant();
        }
      } else {
        name = folder.toString();
      }
      ModelIndex index = ModelIndex.read(dir);
      ModelProvider byClass = reg.forPipelineClass(index);
      if (provider != null && provider != byClass) {
        throw new UnsupportedModelException(dir + ": model_index.json names " + index.pipelineClass()
            + ", which provider '" + byClass.id() + "' runs, not '" + provider.id() + "' that serves '" + model + "'");
      }
      checkOptions(byClass, name);
      ModelPipeline impl = byClass.load(index, new LoadOptions(dev, precision, scheduler, variant, chosen, options));
      return new VideoPipeline(impl, name, true);
    }

    /** {@code <id>:<model>}: no folder, no tensor engine; settings that only local models have are refused. */
    private VideoPipeline connect(RemoteModelProvider remote, ModelRegistry reg) {
      String sub = model.substring(model.indexOf(':') + 1);
      checkArgument(!sub.isBlank(), "model '%s' names no model after '%s:'; known: %s", model, remote.id(),
          remote.variants().stream().map(ModelVariant::alias).toList());
      String where = "'" + model + "' runs on " + remote.id() + "'s service, so ";
      checkArgument(scheduler == null, "%sit has no scheduler to choose (scheduler '%s' given)", where, scheduler);
      checkArgument(variant == null, "%sit has no weight variants (variant '%s' given)", where, variant);
      checkArgument(device.equals("cpu"), "%sdevice does not apply (device '%s' given)", where, device);
      checkArgument(precision == Precision.FLOAT32, "%sprecision does not apply (%s given)", where, precision);
      checkArgument(threads == null, "%sthreads does not apply (%s given)", where, threads);
      checkArgument(revision == null, "%sit has no Hugging Face revision (revision '%s' given)", where, revision);
      checkArgument(offline == null || !offline, "%sit cannot run offline", where);
      checkOptions(remote, model);
      ModelRegistry.Match m = reg.find(model);
      ModelVariant chosen = m != null && m.provider() == remote ? m.variant() : null;
      ModelPipeline impl = remote.connect(sub, new LoadOptions(Device.cpu(), Precision.FLOAT32, null, null, chosen,
          options));
      return new VideoPipeline(impl, model, true);
    }

    private void checkOptions(ModelProvider provider, String name) {
      for (String o : options.keySet()) {
        if (!provider.optionNames().contains(o)) {
          throw new IllegalArgumentException("provider '" + provider.id() + "' (which serves '" + name
              + "') has no option '" + o + "'; it reads " + (provider.optionNames().isEmpty() ? "no options"
                  : new TreeSet<>(provider.optionNames())));
        }
      }
    }
  }

  /**
   * Implemented by providers that ship a model inside their jar (the demo model): the folder it is unpacked to,
   * or null for a variant that is not embedded.
   */
  public interface EmbeddedModels {
    Path embedded(ModelVariant variant);
  }
}
