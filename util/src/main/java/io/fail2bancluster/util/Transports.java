package io.fail2bancluster.util;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoop;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * Native epoll where Netty can load it (Linux), NIO elsewhere, for the broker and the agent alike; both
 * behave the same on the wire. Channel classes are chosen to match the loop they will be registered on.
 */
public final class Transports {
    private Transports() {
    }

    public static boolean nativeEpoll() {
        return Epoll.isAvailable();
    }

    public static IoHandlerFactory ioHandlerFactory() {
        return nativeEpoll() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    }

    /** Loops of the best transport whose threads end the process on a fatal error (see {@link FatalErrors}). */
    public static EventLoopGroup newGroup(int threads, String processName, String threadName) {
        return new MultiThreadIoEventLoopGroup(threads, FatalErrors.loopThreads(processName, threadName),
                ioHandlerFactory());
    }

    public static boolean isEpoll(EventLoop loop) {
        return loop instanceof IoEventLoop io && io.isIoType(EpollIoHandler.class);
    }

    public static Class<? extends SocketChannel> socketChannel(EventLoop loop) {
        return isEpoll(loop) ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    public static Class<? extends ServerChannel> serverSocketChannel(EventLoop loop) {
        return isEpoll(loop) ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    public static Class<? extends DatagramChannel> datagramChannel(EventLoop loop) {
        return isEpoll(loop) ? EpollDatagramChannel.class : NioDatagramChannel.class;
    }
}
