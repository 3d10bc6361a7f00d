package io.fail2bancluster.agent;

import io.fail2bancluster.util.FatalErrors;
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

/** Epoll when the native transport loads, NIO otherwise; channel classes that match a given loop. */
final class Transport {
    private Transport() {
    }

    static EventLoopGroup newGroup(int threads, String threadName) {
        IoHandlerFactory io = Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        return new MultiThreadIoEventLoopGroup(threads, FatalErrors.loopThreads(Agent.PROCESS_NAME, threadName), io);
    }

    static boolean isEpoll(EventLoop loop) {
        return loop instanceof IoEventLoop io && io.isIoType(EpollIoHandler.class);
    }

    static Class<? extends SocketChannel> socketChannel(EventLoop loop) {
        return isEpoll(loop) ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    static Class<? extends ServerChannel> serverSocketChannel(EventLoop loop) {
        return isEpoll(loop) ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    static Class<? extends DatagramChannel> datagramChannel(EventLoop loop) {
        return isEpoll(loop) ? EpollDatagramChannel.class : NioDatagramChannel.class;
    }
}
