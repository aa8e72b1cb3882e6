package io.evbase.bench;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.File;

/**
 * The TLS echo peer: Netty 4.2's echo server behind an {@code SslHandler} of the JDK provider (the engine evbase
 * uses), on the NIO transport, with as many worker loops as evbase. Delegated tasks run on the event loop, Netty's
 * default.
 *
 * <p>Usage: {@code NettyTlsEchoServer --port 7101 --loops 2 --cert server.crt --key server.key}. Prints
 * {@code READY port} once bound; runs until killed.
 */
public final class NettyTlsEchoServer {

    public static void main(String[] args) throws Exception {
        Args a = new Args(args);
        int port = a.integer("port", 7101);
        int loops = a.integer("loops", 2);
        SslContext ssl = SslContextBuilder.forServer(new File(a.string("cert", "server.crt")),
                new File(a.string("key", "server.key"))).sslProvider(SslProvider.JDK).build();
        EventLoopGroup boss = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        EventLoopGroup workers = new MultiThreadIoEventLoopGroup(loops, NioIoHandler.newFactory());
        NettyEchoServer.Echo echo = new NettyEchoServer.Echo();
        Channel server = new ServerBootstrap()
                .group(boss, workers)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(ssl.newHandler(ch.alloc()), echo);
                    }
                })
                .bind("127.0.0.1", port).sync().channel();
        System.out.println("READY " + port + " tls loops=" + loops);
        System.out.flush();
        server.closeFuture().addListener((ChannelFutureListener) f -> {
            boss.shutdownGracefully();
            workers.shutdownGracefully();
        });
        server.closeFuture().sync();
    }
}
