package dev.vidgen.models.runway;

import static dev.vidgen.models.runway.RunwayStandIn.cancelled;
import static dev.vidgen.models.runway.RunwayStandIn.failed;
import static dev.vidgen.models.runway.RunwayStandIn.pending;
import static dev.vidgen.models.runway.RunwayStandIn.running;
import static dev.vidgen.models.runway.RunwayStandIn.succeeded;
import static dev.vidgen.models.runway.RunwayStandIn.throttled;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vidgen.api.CancellationToken;
import dev.vidgen.api.GenerationCancelledException;
import dev.vidgen.api.GenerationRequest;
import dev.vidgen.api.StepEvent;
import dev.vidgen.api.Video;
import dev.vidgen.api.VideoPipeline;
import dev.vidgen.spi.ModelPipeline;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Runway provider against {@link RunwayStandIn}, a loopback stand-in for Runway's API: every task state, the
 * retry rules, cancellation, the caller's timeout, expired output URLs, typed errors, and the decoded video. Waits are
 * milliseconds (poll 5 ms growing to 20 ms, retry backoff 5 ms), so the class runs in a few seconds.
 */
@Timeout(60)
class RunwayPipelineTest {
  private RunwayStandIn standIn;
  /** The video the stand-in serves: 17 frames (not a round number) of 64x48 at 24 fps, a bar moving right. */
  private static final Video SERVED = RunwayStandIn.movingBar(17, 64, 48);

  @BeforeEach
  void start() throws Exception {
    standIn = new RunwayStandIn().serve(SERVED);
  }

  @AfterEach
  void stop() {
    standIn.close();
  }

  private RunwayConfig.Builder config() {
    return RunwayConfig.builder(RunwayStandIn.KEY).baseUrl(URI.create(standIn.baseUrl()))
        .pollInterval(Duration.ofMillis(5)).maxPollInterval(Duration.ofMillis(20))
        .retryBackoff(Duration.ofMillis(5)).maxRetryBackoff(Duration.ofMillis(20))
        .requestTimeout(Duration.ofSeconds(5)).timeout(Duration.ofSeconds(20));
  }

  private ModelPipeline gen45() {
    return RunwayProvider.open("gen4.5", config().build());
  }

  private static GenerationRequest.Builder prompt() {
    return GenerationRequest.builder().prompt("a red fox running through snow");
  }

  @Test
  void rateLimitedThenSucceeds() {
    standIn.failCreate(429, Map.of("Retry-After", "0"), "{\"error\": \"Too many requests\"}");
    Video v = gen45().generate(prompt().build(), "runway:gen4.5");
    assertEquals(SERVED.numFrames(), v.numFrames());
    assertEquals(2, standIn.requests("POST", "/v1/text_to_video").size(), "the 429 was retried once");
  }

  @Test
  void retryAfterIsHonoured() {
    standIn.failCreate(429, Map.of("Retry-After", "1"), "{\"error\": \"Too many requests\"}");
    long t0 = System.nanoTime();
    gen45().generate(prompt().build(), "runway:gen4.5");
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(ms >= 1000, "retried after " + ms + " ms although the server asked for 1 s");
  }

  @Test
  void overloadAndDroppedConnectionsAreRetried() {
    standIn.failCreate(503, Map.of(), "{\"error\": \"Service unavailable\"}")
        .failCreate(502, Map.of(), "<html>Bad gateway</html>")
        .dropCreate()
        .failCreate(504, Map.of(), "");
    Video v = gen45().generate(prompt().build(), "runway:gen4.5");
    assertEquals(SERVED.numFrames(), v.numFrames());
    assertEquals(5, standIn.requests("POST", "/v1/").size());
  }

  @Test
  void retriesRunOutWithTheLastStatusAndMessage() {
    for (int i = 0; i < 3; i++) {
      standIn.failCreate(503, Map.of(), "{\"error\": \"Runway is shedding load\"}");
    }
    ModelPipeline p = RunwayProvider.open("gen4.5", config().maxRetries(2).build());
    RunwayApiException e = assertThrows(RunwayApiException.class,
        () -> p.generate(prompt().build(), "runway:gen4.5"));
    assertEquals(503, e.status());
    assertTrue(e.getMessage().contains("POST /v1/text_to_video answered 503: Runway is shedding load")
        && e.getMessage().contains("after 2 retries"), e.getMessage());
    assertEquals(3, standIn.requests("POST", "/v1/").size());
  }

  @Test
  void unreachableServiceIsAConnectionErrorAfterRetries() throws Exception {
    String url = standIn.baseUrl();
    standIn.close(); // nothing listens there any more
    ModelPipeline p = RunwayProvider.open("gen4.5", config().baseUrl(URI.create(url)).maxRetries(2).build());
    RunwayConnectionException e = assertThrows(RunwayConnectionException.class,
        () -> p.generate(prompt().build(), "runway:gen4.5"));
    assertTrue(e.getMessage().contains("POST /v1/text_to_video") && e.getMessage().contains("after 3 attempts"),
        e.getMessage());
  }

  @Test
  void walksPendingThrottledRunningToSucceededWithProgressEvents() {
    standIn.states(pending(), throttled(), running(0.25), running(0.25), running(0.6), succeeded());
    List<StepEvent> events = new ArrayList<>();
    Video v = gen45().generate(prompt().seed(7).onStep(events::add).build(), "runway:gen4.5");
    assertEquals(List.of(25, 60, 100), events.stream().map(StepEvent::step).toList());
    assertTrue(events.stream().allMatch(e -> e.total() == 100));
    assertEquals(6, standIn.requests("GET", "/v1/tasks/task-1").size(), "one poll per state");
    RunwayStandIn.Recorded create = standIn.requests("POST", "/v1/text_to_video").get(0);
    assertEquals("{\"model\":\"gen4.5\",\"promptText\":\"a red fox running through snow\",\"ratio\":\"1280:720\","
        + "\"duration\":5,\"seed\":7}", create.body());
    assertEquals("application/json", create.headers().get("content-type"));
    for (RunwayStandIn.Recorded r : standIn.requests()) {
      if (r.path().startsWith("/v1/")) {
        assertEquals("Bearer " + RunwayStandIn.KEY, r.headers().get("authorization"), r.method() + " " + r.path());
        assertEquals("2024-11-06", r.headers().get("x-runway-version"), r.method() + " " + r.path());
      }
    }
    assertEquals("runway:gen4.5", v.info().model());
    assertEquals("RunwayAPI/text_to_video", v.info().pipelineClass());
    assertEquals(7, v.info().seed());
  }

  @Test
  void decodedVideoHasTheServedFramesSizeAndRate() {
    Video v = gen45().generate(prompt().build(), "runway:gen4.5");
    assertEquals(SERVED.numFrames(), v.numFrames());
    assertEquals(SERVED.width(), v.width());
    assertEquals(SERVED.height(), v.height());
    assertEquals(24, v.fps());
    for (int f = 0; f < SERVED.numFrames(); f++) { // the bar's column: bright in the served frame, bright decoded
      int x = RunwayStandIn.barX(f, SERVED.numFrames(), SERVED.width());
      assertEquals(SERVED.value(f, 24, x, 0), v.value(f, 24, x, 0), 0.06, "frame " + f + " at the bar");
      assertEquals(SERVED.value(f, 24, (x + 32) % 64, 0), v.value(f, 24, (x + 32) % 64, 0), 0.06,
          "frame " + f + " away from the bar");
    }
  }

  @Test
  void failedTaskReportsItsFailureCode() {
    standIn.states(running(0.1), failed("The prompt was flagged by content moderation.", "SAFETY.INPUT.TEXT"));
    RunwayTaskFailedException e = assertThrows(RunwayTaskFailedException.class,
        () -> gen45().generate(prompt().build(), "runway:gen4.5"));
    assertEquals("SAFETY.INPUT.TEXT", e.failureCode());
    assertEquals("task-1", e.taskId());
    assertTrue(e.getMessage().contains("SAFETY.INPUT.TEXT")
        && e.getMessage().contains("The prompt was flagged by content moderation."), e.getMessage());
    assertTrue(standIn.requests("DELETE", "/v1/").isEmpty(), "a failed task needs no cancelling");
  }

  @Test
  void callerCancelsARunningTaskWhichIsDeletedOnRunway() {
    standIn.states(pending(), running(0.3), running(0.4));
    CancellationToken token = new CancellationToken();
    GenerationRequest r = prompt().cancellation(token).onStep(e -> token.cancel()).build();
    GenerationCancelledException e = assertThrows(GenerationCancelledException.class,
        () -> gen45().generate(r, "runway:gen4.5"));
    assertEquals(1, standIn.requests("DELETE", "/v1/tasks/task-1").size(), "DELETE sent");
    assertTrue(e.getMessage().contains("task-1") && e.getMessage().contains("DELETE"), e.getMessage());
    assertEquals(0, standIn.outputDownloads());
  }

  @Test
  void cancelledBeforeCreationSendsNothing() {
    CancellationToken token = new CancellationToken();
    token.cancel();
    assertThrows(GenerationCancelledException.class,
        () -> gen45().generate(prompt().cancellation(token).build(), "runway:gen4.5"));
    assertTrue(standIn.requests().isEmpty());
  }

  @Test
  void cancelledOnRunwaysSideIsATaskFailure() {
    standIn.states(running(0.5), cancelled());
    RunwayTaskFailedException e = assertThrows(RunwayTaskFailedException.class,
        () -> gen45().generate(prompt().build(), "runway:gen4.5"));
    assertEquals("CANCELLED", e.status());
    assertTrue(e.getMessage().contains("cancelled on Runway's side"), e.getMessage());
  }

  @Test
  void wrongKeyIs401WithTheServersMessageAndNoRetry() {
    String wrong = "key_" + "f".repeat(128);
    ModelPipeline p = RunwayProvider.open("gen4.5", RunwayConfig.builder(wrong)
        .baseUrl(URI.create(standIn.baseUrl())).retryBackoff(Duration.ofMillis(5)).build());
    RunwayAuthenticationException e = assertThrows(RunwayAuthenticationException.class,
        () -> p.generate(prompt().build(), "runway:gen4.5"));
    assertEquals(401, e.status());
    assertTrue(e.getMessage().contains("Invalid API key") && e.getMessage().contains("RUNWAYML_API_SECRET"),
        e.getMessage());
    assertFalse(e.getMessage().contains(wrong), "the stand-in echoes the key; the message must not: "
        + e.getMessage());
    assertEquals(1, standIn.requests().size(), "401 is not retried");
  }

  @Test
  void badRequestForbiddenAndNotFoundAreTypedWithTheServersMessage() {
    standIn.failCreate(400, Map.of(), "{\"error\": \"Invalid asset\", \"issues\": [{\"path\": [\"promptImage\"], "
        + "\"message\": \"Only HTTPS URLs are allowed.\"}]}");
    RunwayBadRequestException bad = assertThrows(RunwayBadRequestException.class,
        () -> gen45().generate(prompt().build(), "runway:gen4.5"));
    assertEquals(400, bad.status());
    assertEquals("POST /v1/text_to_video", bad.call());
    assertEquals("Invalid asset ([promptImage]: Only HTTPS URLs are allowed.)", bad.serverMessage());
    assertTrue(bad.getMessage().contains("answered 400: Invalid asset"), bad.getMessage());

    standIn.failCreate(403, Map.of(), "{\"error\": \"Model gen4.5 is not enabled for this organization\"}");
    RunwayPermissionException forbidden = assertThrows(RunwayPermissionException.class,
        () -> gen45().generate(prompt().build(), "runway:gen4.5"));
    assertTrue(forbidden.getMessage().contains("Model gen4.5 is not enabled for this organization"),
        forbidden.getMessage());

    ModelPipeline wrongPath = RunwayProvider.open("gen4.5", config().baseUrl(URI.create(standIn.baseUrl()
        + "/nothing-here")).build());
    RunwayNotFoundException missing = assertThrows(RunwayNotFoundException.class,
        () -> wrongPath.generate(prompt().build(), "runway:gen4.5"));
    assertTrue(missing.getMessage().contains("answered 404: Not found") && missing.getMessage().contains(
        "is the base URL right?"), missing.getMessage());
    assertEquals(3, standIn.requests("POST", "/").size(), "none of them is retried");
  }

  @Test
  void outputIsDownloadedOnceAtOnceSoAnExpiringUrlDoesNotMatter() {
    standIn.outputDownloadsAllowed(1);
    Video v = gen45().generate(prompt().build(), "runway:gen4.5");
    assertEquals(SERVED.numFrames(), v.numFrames());
    assertEquals(1, standIn.outputDownloads());
    // the URL has expired now: a second download is refused, as Runway's signed URLs are after a while
    RunwayClient client = new RunwayClient(config().build(), java.util.random.RandomGenerator.getDefault());
    URI again = URI.create(standIn.baseUrl() + "/outputs/task-1-1.mp4?sig=abc&expires=1");
    RunwayClient.OutputRefused refused = assertThrows(RunwayClient.OutputRefused.class,
        () -> client.download(again, RunwayClient.Budget.of(Duration.ofSeconds(5), new CancellationToken())));
    assertEquals(403, refused.status);
  }

  @Test
  void anExpiredUrlIsRenewedFromTheTaskAndARelativeUrlIsTakenFromTheApi() {
    standIn.refuseFirstDownloads(1).relativeOutputs();
    Video v = gen45().generate(prompt().build(), "runway:gen4.5");
    assertEquals(SERVED.numFrames(), v.numFrames());
    List<RunwayStandIn.Recorded> downloads = standIn.requests("GET", "/outputs/");
    assertEquals(2, downloads.size());
    assertEquals("/outputs/task-1-2.mp4", downloads.get(1).path(), "the fresh URL of the second read of the task");
  }

  @Test
  void anExpiredOutputUrlIsRenewedOnceThenReported() {
    standIn.outputDownloadsAllowed(0);
    RunwayOutputExpiredException e = assertThrows(RunwayOutputExpiredException.class,
        () -> gen45().generate(prompt().build(), "runway:gen4.5"));
    assertEquals(403, e.status());
    assertTrue(e.getMessage().contains("task-1") && e.getMessage().contains("403")
        && e.getMessage().contains("fresh URL"), e.getMessage());
    assertEquals(2, standIn.requests("GET", "/v1/tasks/task-1").size(), "the task was read again for a new URL");
    List<RunwayStandIn.Recorded> downloads = standIn.requests("GET", "/outputs/");
    assertEquals(2, downloads.size());
    assertFalse(downloads.get(0).path().equals(downloads.get(1).path()), "the second try used the fresh URL");
  }

  @Test
  void slowTaskHitsTheCallersTimeoutAndIsCancelledOnRunway() {
    standIn.states(pending(), running(0.01));
    // 1.5 s: long enough that creating the task fits even on a loaded machine, so the task exists to be cancelled
    ModelPipeline p = RunwayProvider.open("gen4.5", config().timeout(Duration.ofMillis(1500)).build());
    RunwayTimeoutException e = assertThrows(RunwayTimeoutException.class,
        () -> p.generate(prompt().build(), "runway:gen4.5"));
    assertEquals("task-1", e.taskId());
    assertEquals(Duration.ofMillis(1500), e.timeout());
    assertTrue(e.getMessage().contains("timeout of 1500 ms") && e.getMessage().contains("runway.timeout")
        && e.getMessage().contains("task-1 was cancelled"), e.getMessage());
    assertEquals(1, standIn.requests("DELETE", "/v1/tasks/task-1").size());
  }

  @Test
  void aListenerThatThrowsStopsTheTaskOnRunway() {
    standIn.states(running(0.2), running(0.5));
    GenerationRequest r = prompt().onStep(e -> {
      throw new IllegalStateException("listener broke");
    }).build();
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> gen45().generate(r, "runway:gen4.5"));
    assertEquals("listener broke", e.getMessage());
    assertEquals(1, standIn.requests("DELETE", "/v1/tasks/task-1").size());
  }

  @Test
  void imageToVideoSendsTheImageAsAPngDataUri() throws Exception {
    BufferedImage image = new BufferedImage(40, 30, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setColor(new Color(10, 200, 30));
    g.fillRect(5, 5, 20, 10);
    g.dispose();
    gen45().generate(prompt().image(image).size(960, 960).frames(48).build(), "runway:gen4.5");
    RunwayStandIn.Recorded create = standIn.requests("POST", "/v1/image_to_video").get(0);
    var body = create.json();
    assertEquals("960:960", body.get("ratio").getAsString());
    assertEquals(2, body.get("duration").getAsInt());
    String uri = body.get("promptImage").getAsString();
    assertTrue(uri.startsWith("data:image/png;base64,"), uri.substring(0, 30));
    BufferedImage sent = javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(
        java.util.Base64.getDecoder().decode(uri.substring(uri.indexOf(',') + 1))));
    assertEquals(image.getRGB(10, 10), sent.getRGB(10, 10));
    assertEquals(image.getRGB(0, 0), sent.getRGB(0, 0));
  }

  @Test
  void anImageUrlIsPassedOnAsItIs() {
    ModelPipeline p = RunwayProvider.open("gen4_turbo", config().build());
    p.generate(GenerationRequest.builder().imageUri(URI.create("https://example.com/still.jpg")).build(),
        "runway:gen4_turbo");
    var body = standIn.requests("POST", "/v1/image_to_video").get(0).json();
    assertEquals("https://example.com/still.jpg", body.get("promptImage").getAsString());
    assertFalse(body.has("promptText"), "gen4_turbo's prompt is optional and none was given");
    assertEquals("1280:720", body.get("ratio").getAsString());
  }

  @Test
  void loadsThroughVideoPipelineWithOptionsAndTheServiceRegistration() {
    try (VideoPipeline p = VideoPipeline.builder().model("runway:gen4.5")
        .option("runway.baseUrl", standIn.baseUrl()).option("runway.apiKey", RunwayStandIn.KEY)
        .option("runway.pollInterval", "5ms").option("runway.timeout", "20s").build()) {
      assertEquals("RunwayAPI", p.pipelineClass());
      assertEquals(1280, p.defaults().width());
      assertEquals(120, p.defaults().frames());
      Video v = p.generate(prompt().build());
      assertEquals(SERVED.numFrames(), v.numFrames());
      assertEquals("runway:gen4.5", v.info().model());
    }
  }

  @Test
  void theKeyNeverAppearsInLogsMessagesOrToString() {
    List<LogRecord> logs = new CopyOnWriteArrayList<>();
    Logger jul = Logger.getLogger("dev.vidgen.models.runway");
    java.util.logging.Level before = jul.getLevel();
    Handler handler = new Handler() {
      @Override
      public void publish(LogRecord r) {
        logs.add(r);
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    jul.setLevel(java.util.logging.Level.ALL);
    jul.addHandler(handler);
    try {
      standIn.failCreate(429, Map.of("Retry-After", "0"), "{\"error\": \"slow down " + RunwayStandIn.KEY + "\"}");
      standIn.states(running(0.5), failed("echo " + RunwayStandIn.KEY, "INTERNAL"));
      RunwayConfig config = config().build();
      ModelPipeline p = RunwayProvider.open("gen4.5", config);
      RunwayTaskFailedException e = assertThrows(RunwayTaskFailedException.class,
          () -> p.generate(prompt().build(), "runway:gen4.5"));
      List<String> texts = new ArrayList<>(List.of(config.toString(), p.toString(), config.apiKey().toString()));
      for (LogRecord r : logs) {
        texts.add(new java.util.logging.SimpleFormatter().formatMessage(r));
      }
      assertTrue(logs.size() >= 3, "logs were captured: " + logs.size());
      for (String t : texts) {
        assertFalse(t.contains(RunwayStandIn.KEY) || t.contains("0123456789abcdef0123"), t);
      }
      // the server's own failure text is passed on as Runway wrote it, except the key
      assertFalse(e.getMessage().contains(RunwayStandIn.KEY), e.getMessage());
    } finally {
      jul.removeHandler(handler);
      jul.setLevel(before);
    }
  }
}
