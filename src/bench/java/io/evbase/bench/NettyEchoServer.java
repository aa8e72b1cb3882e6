package io.evbase.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;

/**
 * The echo peer: a plain Netty 4.2 echo server, the way Netty's own example writes it (write on read, flush on
 * read-complete), with the NIO or the native epoll transport and the same number of worker loops as evbase.
 *
 * <p>Usage: {@code NettyEchoServer --port 7100 --loops 2 --transport nio|epoll}. Prints {@code READY port} once
 * bound; runs until killed.
 */
public final class NettyEchoServer {

    @ChannelHandler.Sharable
    static final class Echo extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ctx.write(msg, ctx.voidPromise());
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    public static void main(String[] args) throws Exception {
        Args a = new Args(args);
        int port = a.integer("port", 7100);
        int loops = a.integer("loops", 2);
        String transport = a.string("transport", "nio");
        IoHandlerFactory io;
        Class<? extends ServerChannel> channel;
        if (transport.equals("epoll")) {
            Epoll.ensureAvailability();
            io = EpollIoHandler.newFactory();
            channel = EpollServerSocketChannel.class;
        } else {
            io = NioIoHandler.newFactory();
            channel = NioServerSocketChannel.class;
        }
        // One acceptor loop and N workers, as evbase has one acceptor thread and N loops.
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, io);
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(loops, io);
        Echo echo = new Echo();
        Channel server = new ServerBootstrap()
                .group(boss, workers)
                .channel(channel)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(echo)
                .bind("127.0.0.1", port).sync().channel();
        System.out.println("READY " + port + " " + transport + " loops=" + loops);
        System.out.flush();
        server.closeFuture().addListener((ChannelFutureListener) f -> {
            boss.shutdownGracefully();
            workers.shutdownGracefully();
        });
        server.closeFuture().sync();
    }
}
