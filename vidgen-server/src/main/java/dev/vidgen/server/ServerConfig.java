package dev.vidgen.server;

import static com.google.common.base.Preconditions.checkArgument;
import static com.google.common.base.Preconditions.checkNotNull;

import dev.vidgen.hub.ModelLocator;
import dev.vidgen.models.modelscope.ModelScopeProvider;
import dev.vidgen.spi.ModelRegistry;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;

/**
 * How a {@link VidgenServer} runs: the flags of {@code vidgen serve}, plus the model registry and locator an
 * embedding application (or a test) may replace. Build it with {@link #builder()}; {@link Builder#build()} refuses a
 * server reachable from other machines without an API key.
 *
 * @param host the address to bind; loopback ({@code 127.0.0.1}) by default
 * @param port the TCP port; 0 picks a free one
 * @param dataDir where job records, videos and uploads live
 * @param workers generation threads, each with its own loaded pipeline
 * @param queueCapacity jobs that may wait; one more is answered 429
 * @param maxUploadBytes the largest request body accepted (413 above)
 * @param apiKey the bearer token {@code /v1/*} requires, or null for none (loopback only)
 * @param keepJobs finished jobs kept (records and videos); older ones are deleted
 * @param defaultModel the model of a request without {@code model}
 * @param registry the model providers served
 * @param locator where downloaded models are found
 * @param log where the server reports (one line per job, and unexpected errors)
 */
public record ServerConfig(String host, int port, Path dataDir, int workers, int queueCapacity, long maxUploadBytes,
    String apiKey, int keepJobs, String defaultModel, ModelRegistry registry, ModelLocator locator, PrintStream log) {

  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final int DEFAULT_PORT = 8080;
  public static final int DEFAULT_QUEUE = 64;
  public static final long DEFAULT_MAX_UPLOAD = 16L << 20;
  public static final int DEFAULT_KEEP = 500;

  /** The model used when a request names none: the embedded demo when this build ships it (as the CLI does). */
  public static String defaultModelName() {
    return ModelScopeProvider.demoShipped() ? "demo" : "modelscope-tiny-random";
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Whether {@code host} is a loopback address (after name resolution). */
  static boolean isLoopback(String host) {
    try {
      return InetAddress.getByName(host).isLoopbackAddress();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("cannot resolve --host '" + host + "': " + e.getMessage());
    }
  }

  /** Builds a {@link ServerConfig}; every setter checks its argument. */
  public static final class Builder {
    private String host = DEFAULT_HOST;
    private int port = DEFAULT_PORT;
    private Path dataDir = Path.of("vidgen-data");
    private int workers = 1;
    private int queueCapacity = DEFAULT_QUEUE;
    private long maxUploadBytes = DEFAULT_MAX_UPLOAD;
    private String apiKey;
    private int keepJobs = DEFAULT_KEEP;
    private String defaultModel;
    private ModelRegistry registry;
    private ModelLocator locator;
    private PrintStream log = System.err;

    private Builder() {}

    public Builder host(String host) {
      checkArgument(host != null && !host.isBlank(), "host must not be empty");
      this.host = host;
      return this;
    }

    public Builder port(int port) {
      checkArgument(port >= 0 && port <= 65535, "port must be in [0, 65535] but was %s", port);
      this.port = port;
      return this;
    }

    public Builder dataDir(Path dataDir) {
      this.dataDir = checkNotNull(dataDir, "dataDir");
      return this;
    }

    public Builder workers(int workers) {
      checkArgument(workers >= 1 && workers <= 64, "workers must be in [1, 64] but was %s", workers);
      this.workers = workers;
      return this;
    }

    public Builder queueCapacity(int queueCapacity) {
      checkArgument(queueCapacity >= 1 && queueCapacity <= 100_000, "queue must be in [1, 100000] but was %s",
          queueCapacity);
      this.queueCapacity = queueCapacity;
      return this;
    }

    public Builder maxUploadBytes(long maxUploadBytes) {
      checkArgument(maxUploadBytes >= 1024 && maxUploadBytes <= (1L << 30),
          "max upload must be from 1024 bytes to 1 GiB but was %s", maxUploadBytes);
      this.maxUploadBytes = maxUploadBytes;
      return this;
    }

    /** The bearer token clients must send ({@code Authorization: Bearer KEY}); null for none. */
    public Builder apiKey(String apiKey) {
      checkArgument(apiKey == null || apiKey.strip().length() >= 16,
          "an API key must have at least 16 characters (after trimming)");
      this.apiKey = apiKey == null ? null : apiKey.strip();
      return this;
    }

    public Builder keepJobs(int keepJobs) {
      checkArgument(keepJobs >= 1, "keep must be >= 1 but was %s", keepJobs);
      this.keepJobs = keepJobs;
      return this;
    }

    public Builder defaultModel(String defaultModel) {
      checkArgument(defaultModel != null && !defaultModel.isBlank(), "default model must not be empty");
      this.defaultModel = defaultModel;
      return this;
    }

    public Builder registry(ModelRegistry registry) {
      this.registry = checkNotNull(registry, "registry");
      return this;
    }

    public Builder locator(ModelLocator locator) {
      this.locator = checkNotNull(locator, "locator");
      return this;
    }

    public Builder log(PrintStream log) {
      this.log = checkNotNull(log, "log");
      return this;
    }

    /**
     * @throws IllegalArgumentException when the host is not a loopback address and no API key is set: a server
     *     others can reach must not run jobs for anyone who finds it
     */
    public ServerConfig build() {
      checkArgument(apiKey != null || isLoopback(host), "binding to '%s' makes the server reachable from other "
          + "machines: give it an API key (--api-key-file FILE), or bind to 127.0.0.1", host);
      return new ServerConfig(host, port, dataDir, workers, queueCapacity, maxUploadBytes, apiKey, keepJobs,
          defaultModel != null ? defaultModel : defaultModelName(),
          registry != null ? registry : ModelRegistry.installed(), locator != null ? locator : ModelLocator.system(),
          log);
    }
  }
}
