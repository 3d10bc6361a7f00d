package io.fail2bancluster.broker;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;

/** Native epoll where Netty can load it (Linux), NIO elsewhere; both behave the same on the wire. */
final class Transport {
    private Transport() {
    }

    static boolean nativeEpoll() {
        return Epoll.isAvailable();
    }

    static IoHandlerFactory ioHandlerFactory() {
        return nativeEpoll() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    }

    static Class<? extends ServerChannel> serverChannelType() {
        return nativeEpoll() ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }
}
