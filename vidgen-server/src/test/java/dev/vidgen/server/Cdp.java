package dev.vidgen.server;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A minimal Chrome DevTools Protocol client over the JDK's WebSocket: send a command, wait for its result. Enough
 * to drive one page of headless Chromium in a test (navigate, evaluate, type, click, take a screenshot).
 */
final class Cdp implements AutoCloseable {
  private final WebSocket socket;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, CompletableFuture<JsonObject>> pending = new ConcurrentHashMap<>();

  private Cdp(WebSocket socket) {
    this.socket = socket;
  }

  /** Connects to a page's {@code webSocketDebuggerUrl}. */
  static Cdp connect(URI pageSocket) throws Exception {
    Listener listener = new Listener();
    WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(pageSocket, listener)
        .get(30, TimeUnit.SECONDS);
    Cdp cdp = new Cdp(ws);
    listener.owner = cdp;
    return cdp;
  }

  /** Sends a command and returns its {@code result}; a protocol error fails with its message. */
  JsonObject call(String method, JsonObject params) throws Exception {
    int id = ids.incrementAndGet();
    JsonObject msg = new JsonObject();
    msg.addProperty("id", id);
    msg.addProperty("method", method);
    msg.add("params", params == null ? new JsonObject() : params);
    CompletableFuture<JsonObject> f = new CompletableFuture<>();
    pending.put(id, f);
    socket.sendText(msg.toString(), true).get(10, TimeUnit.SECONDS);
    JsonObject reply = f.get(60, TimeUnit.SECONDS);
    if (reply.has("error")) {
      throw new IllegalStateException(method + " failed: " + reply.get("error"));
    }
    return reply.getAsJsonObject("result");
  }

  /** Evaluates a JavaScript expression in the page (awaiting a promise) and returns its JSON value. */
  JsonElement eval(String expression) throws Exception {
    JsonObject p = new JsonObject();
    p.addProperty("expression", expression);
    p.addProperty("returnByValue", true);
    p.addProperty("awaitPromise", true);
    JsonObject r = call("Runtime.evaluate", p);
    if (r.has("exceptionDetails")) {
      throw new IllegalStateException("page script failed: " + r.get("exceptionDetails"));
    }
    JsonObject result = r.getAsJsonObject("result");
    return result.has("value") ? result.get("value") : null;
  }

  private void received(String text) {
    JsonObject o = JsonParser.parseString(text).getAsJsonObject();
    if (o.has("id")) {
      CompletableFuture<JsonObject> f = pending.remove(o.get("id").getAsInt());
      if (f != null) {
        f.complete(o);
      }
    }
  }

  @Override
  public void close() {
    socket.abort();
  }

  private static final class Listener implements WebSocket.Listener {
    private final StringBuilder buffer = new StringBuilder();
    volatile Cdp owner;

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      buffer.append(data);
      if (last) {
        String text = buffer.toString();
        buffer.setLength(0);
        if (owner != null) {
          owner.received(text);
        }
      }
      ws.request(1);
      return null;
    }
  }
}
