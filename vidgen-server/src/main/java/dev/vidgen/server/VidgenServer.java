package dev.vidgen.server;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code vidgen serve}: a video generation service in one JVM. The JDK's own {@link HttpServer} answers HTTP (no
 * dependency: the API is small, JSON and Server-Sent Events are a few lines each, and its thread-per-exchange model
 * suits a service whose work happens in the generation workers); a {@link JobService} runs the jobs.
 *
 * <pre>{@code
 * try (VidgenServer s = VidgenServer.start(ServerConfig.builder().port(0).dataDir(dir).build())) {
 *   System.out.println("listening on " + s.url());
 *   ...
 * }
 * }</pre>
 */
public final class VidgenServer implements AutoCloseable {
  /** HTTP threads. Event streams may hold up to {@link HttpApi#MAX_EVENT_STREAMS} of them; the rest stay free. */
  static final int HTTP_THREADS = 48;

  private final ServerConfig config;
  private final JobStore store;
  private final JobService service;
  private final HttpApi api;
  private final HttpServer http;
  private final ExecutorService executor;
  private boolean stopped;

  private VidgenServer(ServerConfig config, JobStore store, JobService service, HttpApi api, HttpServer http,
      ExecutorService executor) {
    this.config = config;
    this.store = store;
    this.service = service;
    this.api = api;
    this.http = http;
    this.executor = executor;
  }

  /** Opens the data folder (recovering jobs a crash interrupted), starts the workers, binds and serves. */
  public static VidgenServer start(ServerConfig config) {
    JobStore store = JobStore.open(config.dataDir());
    JobService service = null;
    try {
      service = new JobService(config, store);
      HttpApi api = new HttpApi(config, service, store);
      HttpServer http = HttpServer.create(new InetSocketAddress(InetAddress.getByName(config.host()), config.port()),
          128);
      AtomicInteger n = new AtomicInteger();
      ThreadPoolExecutor executor = new ThreadPoolExecutor(HTTP_THREADS, HTTP_THREADS, 60, TimeUnit.SECONDS,
          new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "vidgen-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
          });
      executor.allowCoreThreadTimeOut(true);
      http.setExecutor(executor);
      http.createContext("/", api);
      http.start();
      return new VidgenServer(config, store, service, api, http, executor);
    } catch (IOException | RuntimeException e) {
      if (service != null) {
        service.close();
      }
      store.close();
      if (e instanceof IOException io) {
        throw new UncheckedIOException("cannot listen on " + config.host() + ":" + config.port() + ": "
            + io.getMessage(), io);
      }
      throw (RuntimeException) e;
    }
  }

  /** The bound port (the chosen one when the config said 0). */
  public int port() {
    return http.getAddress().getPort();
  }

  /** {@code http://HOST:PORT}, as printed by {@code vidgen serve}. */
  public URI url() {
    String host = config.host().contains(":") ? "[" + config.host() + "]" : config.host();
    return URI.create("http://" + host + ":" + port());
  }

  public ServerConfig config() {
    return config;
  }

  /** Native arrays the loaded pipelines hold (weights; constant across jobs when nothing leaks). */
  public long liveNativeArrays() {
    return service.liveNativeArrays();
  }

  /**
   * Stops: refuses new jobs, stops the running ones and records them (and the queued ones) as failed with the
   * reason, ends event streams, closes the pipelines and releases the data folder.
   */
  public synchronized void stop() {
    if (stopped) {
      return;
    }
    stopped = true;
    api.stopping();
    service.close();
    http.stop(1);
    executor.shutdownNow();
    store.close();
  }

  @Override
  public void close() {
    stop();
  }
}
