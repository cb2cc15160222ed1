package io.jvs.datapath.metrics;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

import io.jvs.datapath.Log;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.IdleStateEvent;

/**
 * Answers one HTTP request: {@code GET /metrics} (or HEAD) with the exposition, rendered on the control executor and
 * written back from the Netty loop; anything else with a short error. Whatever goes wrong closes the connection and
 * nothing else: this handler never throws into the loop.
 */
final class MetricsHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    /** How long a scrape waits for the control thread (busy with a long command, e.g. a port waiting on a device). */
    static final long RENDER_TIMEOUT_MS = 10_000;
    private static final Log.RateLimit ERROR_LOG = new Log.RateLimit(10);

    private final ExecutorService control;
    private final Callable<String> render;

    MetricsHandler(ExecutorService control, Callable<String> render) {
        this.control = control;
        this.render = render;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (request.decoderResult().isFailure()) {
            reply(ctx, HttpResponseStatus.BAD_REQUEST, "bad request\n", false, true);
            return;
        }
        boolean head = request.method().equals(HttpMethod.HEAD);
        if (!request.method().equals(HttpMethod.GET) && !head) {
            reply(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, "only GET\n", keepAlive, !head);
            return;
        }
        String path = request.uri();
        int q = path.indexOf('?');
        if (q >= 0) {
            path = path.substring(0, q);
        }
        if (path.equals("/")) {
            reply(ctx, HttpResponseStatus.OK, "jvs: metrics at /metrics\n", keepAlive, !head);
            return;
        }
        if (!path.equals("/metrics")) {
            reply(ctx, HttpResponseStatus.NOT_FOUND, "not found (metrics at /metrics)\n", keepAlive, !head);
            return;
        }
        CompletableFuture.supplyAsync(() -> {
            try {
                return render.call();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, control).orTimeout(RENDER_TIMEOUT_MS, TimeUnit.MILLISECONDS).whenComplete((text, failure) -> {
            if (failure != null) {
                logRateLimited("rendering metrics failed: " + failure);
                reply(ctx, HttpResponseStatus.SERVICE_UNAVAILABLE, "metrics unavailable: " + failure + "\n",
                        keepAlive, !head);
            } else {
                reply(ctx, HttpResponseStatus.OK, text, keepAlive, !head, PrometheusText.CONTENT_TYPE);
            }
        });
    }

    private static void reply(ChannelHandlerContext ctx, HttpResponseStatus status, String body, boolean keepAlive,
            boolean withBody) {
        reply(ctx, status, body, keepAlive, withBody, "text/plain; charset=utf-8");
    }

    private static void reply(ChannelHandlerContext ctx, HttpResponseStatus status, String body, boolean keepAlive,
            boolean withBody, String contentType) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                withBody ? Unpooled.wrappedBuffer(bytes) : Unpooled.EMPTY_BUFFER);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        if (keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
            ctx.writeAndFlush(response);
        } else {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof IdleStateEvent) {
            ctx.close();
        } else {
            ctx.fireUserEventTriggered(evt);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        logRateLimited("metrics connection closed: " + cause);
        ctx.close();
    }

    private static void logRateLimited(String message) {
        long suppressed = ERROR_LOG.admit(System.nanoTime());
        if (suppressed >= 0) {
            Log.warn("metrics", message + (suppressed > 0 ? " (" + suppressed + " similar suppressed)" : ""));
        }
    }
}
