package dev.vidgen.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web page in headless Chromium (Debian package {@code chromium}), driven through the DevTools protocol as a
 * person would use it: the page loads and lists the models, the prompt is typed into the form and the Generate button
 * clicked, the page shows each step of progress from the event stream, then plays the video inline; a screenshot of
 * the page is saved ({@code target/screenshots/web-page.png}) and checked.
 *
 * <p>Without {@code /usr/bin/chromium} the test is skipped, except under {@code CI=true} where it fails: CI's
 * {@code ./run-tests} installs the package.
 */
class WebPageBrowserTest {
  static final String PROMPT = "a red circle moving right";
  static final int STEPS = 12;
  static final int WIDTH = 1280;
  static final int HEIGHT = 1000;

  @TempDir Path data;
  @TempDir Path profile;

  @Test
  void aPromptTypedIntoThePageShowsProgressThenAPlayingVideo() throws Exception {
    Path chromium = Path.of("/usr/bin/chromium");
    if (!Files.isExecutable(chromium)) {
      String why = "/usr/bin/chromium is not installed (Debian package 'chromium': apt-get install -y chromium)";
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        fail(why + "; CI=true, so this is a failure, not a skip");
      }
      assumeTrue(false, why);
    }
    try (VidgenServer server = Servers.start(data, b -> b.workers(1))) {
      Process browser = new ProcessBuilder(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
          "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
          "--disable-sync", "--mute-audio", "--remote-debugging-port=0", "--remote-allow-origins=*",
          "--user-data-dir=" + profile, "--window-size=" + WIDTH + "," + HEIGHT,
          "--autoplay-policy=no-user-gesture-required", "about:blank")
          .redirectErrorStream(true).redirectOutput(profile.resolveSibling(profile.getFileName() + ".log").toFile())
          .start();
      try (Cdp page = Cdp.connect(pageSocket())) {
        run(page, server);
      } finally {
        browser.descendants().forEach(ProcessHandle::destroyForcibly);
        browser.destroyForcibly();
        browser.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  private void run(Cdp page, VidgenServer server) throws Exception {
    JsonObject nav = new JsonObject();
    nav.addProperty("url", server.url() + "/");
    page.call("Page.navigate", nav);
    await(page, "document.body && document.body.dataset.ready === 'true'", 30, "the page to list the models");
    assertEquals("demo", page.eval("document.getElementById('model').value").getAsString(),
        "the default model is preselected");

    // type the prompt, set a short run, click Generate
    page.eval("document.getElementById('prompt').focus()");
    JsonObject text = new JsonObject();
    text.addProperty("text", PROMPT);
    page.call("Input.insertText", text);
    page.eval("document.getElementById('options').open = true; document.getElementById('steps').value = '" + STEPS
        + "'; document.getElementById('seed').value = '4'; true");
    JsonObject box = page.eval("JSON.stringify(document.getElementById('submit').getBoundingClientRect())")
        .isJsonPrimitive() ? JsonParser.parseString(page.eval(
            "JSON.stringify(document.getElementById('submit').getBoundingClientRect())").getAsString())
            .getAsJsonObject() : null;
    assertNotNull(box);
    double x = box.get("x").getAsDouble() + box.get("width").getAsDouble() / 2;
    double y = box.get("y").getAsDouble() + box.get("height").getAsDouble() / 2;
    for (String type : List.of("mousePressed", "mouseReleased")) {
      JsonObject m = new JsonObject();
      m.addProperty("type", type);
      m.addProperty("x", x);
      m.addProperty("y", y);
      m.addProperty("button", "left");
      m.addProperty("clickCount", 1);
      page.call("Input.dispatchMouseEvent", m);
    }

    // follow the page until the video has played a while
    String probe = """
        (() => {
          const v = document.getElementById('player'), b = document.body.dataset;
          let played = 0;
          for (let i = 0; i < v.played.length; i++) played += v.played.end(i) - v.played.start(i);
          return JSON.stringify({state: b.jobState || '', job: b.jobId || '', stepsSeen: Number(b.stepsSeen || 0),
            lastStep: b.lastStep || '', status: document.getElementById('status').textContent,
            readyState: v.readyState, duration: v.duration, currentTime: v.currentTime, paused: v.paused,
            played: played, videoWidth: v.videoWidth, hidden: v.hidden, error: v.error ? v.error.code : null,
            gallery: Number(b.galleryItems || 0), shown: b.shownJob || ''});
        })()""";
    JsonObject s = null;
    boolean sawMidwayProgress = false;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
    while (System.nanoTime() < deadline) {
      s = JsonParser.parseString(page.eval(probe).getAsString()).getAsJsonObject();
      int seen = s.get("stepsSeen").getAsInt();
      sawMidwayProgress |= seen > 0 && seen < STEPS && s.get("status").getAsString().startsWith("running: step");
      if (s.get("state").getAsString().equals("failed") || s.get("played").getAsDouble() > 0.5
          && s.get("readyState").getAsInt() >= 2) {
        break;
      }
      Thread.sleep(100);
    }
    System.out.println("page state: " + s);
    assertNotNull(s);
    assertEquals("succeeded", s.get("state").getAsString(), "the job the page submitted: " + s);
    assertEquals(STEPS, s.get("stepsSeen").getAsInt(), "one progress event per step reached the page: " + s);
    assertEquals(STEPS + "/" + STEPS, s.get("lastStep").getAsString());
    assertTrue(sawMidwayProgress, "progress was shown while the job ran: " + s);
    assertEquals(s.get("job").getAsString(), s.get("shown").getAsString(), "the page shows the job it submitted");
    assertTrue(s.get("error").isJsonNull(), "media error: " + s);
    assertTrue(s.get("readyState").getAsInt() >= 2, "the video has a decoded frame: " + s);
    assertEquals(1.0, s.get("duration").getAsDouble(), 0.01, "8 frames at 8 fps: " + s);
    assertEquals(256, s.get("videoWidth").getAsInt(), "the 32x32 demo video enlarged 8x: " + s);
    assertTrue(s.get("played").getAsDouble() > 0.5, "the video plays: " + s);
    assertTrue(s.get("gallery").getAsInt() >= 1, "the gallery lists the job: " + s);
    JsonElement card = page.eval("!!document.querySelector('#gallery .card[data-id=\"" + s.get("job").getAsString()
        + "\"]')");
    assertTrue(card.getAsBoolean(), "a gallery card for the job");

    // the screenshot: the page as a person sees it
    JsonObject shot = page.call("Page.captureScreenshot", jsonOf("format", "png"));
    byte[] png = Base64.getDecoder().decode(shot.get("data").getAsString());
    Path out = Path.of("target", "screenshots", "web-page.png");
    Files.createDirectories(out.getParent());
    Files.write(out, png);
    BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
    assertNotNull(img, "the screenshot is a PNG");
    assertEquals(WIDTH, img.getWidth());
    Set<Integer> colours = new HashSet<>();
    int reddish = 0;
    for (int yy = 0; yy < img.getHeight(); yy += 2) {
      for (int xx = 0; xx < img.getWidth(); xx += 2) {
        int rgb = img.getRGB(xx, yy) & 0xffffff;
        colours.add(rgb);
        int r = rgb >> 16 & 0xff;
        int g = rgb >> 8 & 0xff;
        int b = rgb & 0xff;
        if (r > 140 && r > g + 60 && r > b + 60) {
          reddish++;
        }
      }
    }
    System.out.println("screenshot " + out.toAbsolutePath() + ": " + colours.size() + " colours, " + reddish
        + " red samples");
    assertTrue(colours.size() > 50, "the screenshot is not blank: " + colours.size() + " colours");
    assertTrue(reddish > 20, "the playing video shows the red circle: " + reddish + " red samples");
  }

  private static JsonObject jsonOf(String k, String v) {
    JsonObject o = new JsonObject();
    o.addProperty(k, v);
    return o;
  }

  private static void await(Cdp page, String condition, int seconds, String what) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      JsonElement v = page.eval("!!(" + condition + ")");
      if (v != null && v.getAsBoolean()) {
        return;
      }
      Thread.sleep(100);
    }
    fail("waited " + seconds + " s for " + what);
  }

  /** The page target's DevTools socket, from the port Chromium writes to {@code DevToolsActivePort}. */
  private URI pageSocket() throws Exception {
    Path portFile = profile.resolve("DevToolsActivePort");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!(Files.isRegularFile(portFile) && Files.readString(portFile).contains("\n"))) {
      if (System.nanoTime() > deadline) {
        fail("Chromium wrote no DevToolsActivePort within 60 s; its log:\n"
            + Files.readString(profile.resolveSibling(profile.getFileName() + ".log")));
      }
      Thread.sleep(100);
    }
    int port = Integer.parseInt(Files.readString(portFile).lines().findFirst().orElseThrow().trim());
    TestClient devtools = new TestClient(URI.create("http://127.0.0.1:" + port));
    for (JsonElement t : JsonParser.parseString(devtools.get("/json/list").text()).getAsJsonArray()) {
      JsonObject target = t.getAsJsonObject();
      if (target.get("type").getAsString().equals("page")) {
        return URI.create(target.get("webSocketDebuggerUrl").getAsString());
      }
    }
    fail("Chromium lists no page target");
    return null;
  }
}
