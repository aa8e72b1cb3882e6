package io.evbase.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The comparison for examples/kv-server: the same protocol (length-prefixed frames; put, get, delete; a slow
 * operation blocking off the loop; replies in request order; 'E' and a close after a bad frame; every reply sent
 * before a half-close is answered with the close) on Netty 4.2, as a Netty user would write it. Netty has no
 * ordered asynchronous replies, no drain on SIGTERM and no memory limits of its own: the ordering and the
 * half-close are written here; the drain and the limits are left out.
 *
 * <p>Usage: {@code NettyKvServer <port>}; runs until killed.
 */
public final class NettyKvServer {

    private static final ConcurrentSkipListMap<ByteBuffer, byte[]> STORE = new ConcurrentSkipListMap<>();
    private static final ExecutorService BLOCKING = Executors.newCachedThreadPool();

    public static void main(String[] args) throws InterruptedException {
        MultiThreadIoEventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
        try {
            new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                    .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            ch.pipeline().addLast(new LengthFieldBasedFrameDecoder(1 << 20, 0, 4, 0, 4),
                                    new LengthFieldPrepender(4), new Kv());
                        }
                    }).bind(Integer.parseInt(args[0])).sync().channel().closeFuture().sync();
        } finally {
            group.shutdownGracefully();
        }
    }

    /** One per connection: replies wait in request order until those before them are written. */
    static final class Kv extends SimpleChannelInboundHandler<ByteBuf> {
        private final ArrayDeque<CompletableFuture<ByteBuf>> replies = new ArrayDeque<>();
        private boolean closeAfterReplies;
        private ChannelFuture lastWrite;
        private boolean failed;

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, ByteBuf frame) {
            if (failed) {
                return; // frames decoded after a bad one are not served
            }
            CompletableFuture<ByteBuf> reply = new CompletableFuture<>();
            replies.add(reply);
            byte op = frame.readByte();
            switch (op) {
                case 'P' -> {
                    STORE.put(key(frame), ByteBufUtil.getBytes(frame));
                    reply.complete(ctx.alloc().buffer(1).writeByte('K'));
                }
                case 'G' -> {
                    byte[] value = STORE.get(key(frame));
                    reply.complete(value == null ? ctx.alloc().buffer(1).writeByte('N')
                            : ctx.alloc().buffer(1 + value.length).writeByte('V').writeBytes(value));
                }
                case 'D' -> reply.complete(ctx.alloc().buffer(1).writeByte(STORE.remove(key(frame)) == null ? 'N' : 'K'));
                case 'S' -> {
                    long millis = frame.readUnsignedInt();
                    byte[] payload = ByteBufUtil.getBytes(frame);
                    BLOCKING.execute(() -> {
                        try {
                            Thread.sleep(millis);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        ctx.executor().execute(() -> {
                            reply.complete(ctx.alloc().buffer(1 + payload.length).writeByte('S').writeBytes(payload));
                            flush(ctx);
                        });
                    });
                }
                default -> {
                    replies.removeLast(); // no reply of its own: the error takes its place
                    throw new IllegalArgumentException("unknown op " + (op & 0xff));
                }
            }
            flush(ctx);
        }

        private static ByteBuffer key(ByteBuf frame) {
            return ByteBuffer.wrap(ByteBufUtil.getBytes(frame.readSlice(frame.readUnsignedShort())));
        }

        /** Writes the completed replies at the head; closes once none is left, if a close was asked for. */
        private void flush(ChannelHandlerContext ctx) {
            while (!replies.isEmpty() && replies.peek().isDone()) {
                lastWrite = ctx.write(replies.poll().join());
            }
            ctx.flush();
            if (closeAfterReplies && replies.isEmpty()) {
                if (lastWrite == null) {
                    ctx.close();
                } else {
                    lastWrite.addListener(ChannelFutureListener.CLOSE); // once the last reply is out
                }
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event instanceof ChannelInputShutdownEvent) {
                closeAfterReplies = true; // the half-close: answer what was received, then close
                flush(ctx);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            String message = String.valueOf(cause.getMessage());
            replies.add(CompletableFuture.completedFuture(
                    ctx.alloc().buffer().writeByte('E').writeBytes(message.getBytes(StandardCharsets.UTF_8))));
            ctx.channel().config().setAutoRead(false); // nothing after a bad frame is read
            failed = true;
            closeAfterReplies = true;
            flush(ctx);
        }
    }
}
