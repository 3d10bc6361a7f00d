package io.fail2bancluster.metrics;

import io.fail2bancluster.util.FatalErrors;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

/**
 * Answers one aggregated request: {@code GET} (or {@code HEAD}) {@code /metrics} with the page, any other
 * path 404, any other method 405, a request the decoder could not read 400 and close. The page is
 * rendered here, on the server's event loop, by the process's own page supplier.
 *
 * <p>A client that keeps sending requests without reading the answers would make the answers pile up in
 * memory; when the outbound buffer is past its high-water mark at the next request, it is cut off.
 */
final class MetricsHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    static final String PATH = "/metrics";
    private static final Logger LOG = LogManager.getLogger(MetricsHandler.class);
    private static final String PLAIN_TEXT = "text/plain; charset=utf-8";

    private final Supplier<String> page;
    private final String processName;

    /**
     * @param page        renders the page; called on the channel's loop, once per request
     * @param processName names the process in the message of a fatal error
     */
    MetricsHandler(Supplier<String> page, String processName) {
        this.page = page;
        this.processName = processName;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (!ctx.channel().isWritable()) {
            LOG.debug("metrics client {} does not read its answers; closing", ctx.channel().remoteAddress());
            ctx.close();
            return;
        }
        if (!request.decoderResult().isSuccess()) {
            FullHttpResponse response = text(request, HttpResponseStatus.BAD_REQUEST, "bad request\n");
            HttpUtil.setKeepAlive(response, false);
            ctx.writeAndFlush(response);
            return;
        }
        if (!new QueryStringDecoder(request.uri()).path().equals(PATH)) {
            ctx.writeAndFlush(text(request, HttpResponseStatus.NOT_FOUND, "not found; metrics are at " + PATH + "\n"));
            return;
        }
        HttpMethod method = request.method();
        if (!method.equals(HttpMethod.GET) && !method.equals(HttpMethod.HEAD)) {
            FullHttpResponse response = text(request, HttpResponseStatus.METHOD_NOT_ALLOWED, "use GET\n");
            response.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
            ctx.writeAndFlush(response);
            return;
        }
        ByteBuf body = ByteBufUtil.writeUtf8(ctx.alloc(), page.get());
        FullHttpResponse response = response(request, HttpResponseStatus.OK, MetricsServer.CONTENT_TYPE, body);
        ctx.writeAndFlush(response);
    }

    private static FullHttpResponse text(FullHttpRequest request, HttpResponseStatus status, String text) {
        return response(request, status, PLAIN_TEXT, Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
    }

    /** A HEAD answer has the headers of the GET answer (its length included) and no body. */
    private static FullHttpResponse response(FullHttpRequest request, HttpResponseStatus status, String contentType,
                                             ByteBuf body) {
        int length = body.readableBytes();
        if (request.method().equals(HttpMethod.HEAD)) {
            body.release();
            body = Unpooled.EMPTY_BUFFER;
        }
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, length);
        return response;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (FatalErrors.exitIfFatal(processName, cause)) {
            return;
        }
        // an idle timeout, a reset by the peer: nothing the operator must hear about
        LOG.debug("metrics connection {} closed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
