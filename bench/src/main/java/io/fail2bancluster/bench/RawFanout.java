package io.fail2bancluster.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The broker bench's baseline: the least a fanout server can be. One thread, one selector, no limits, no
 * validation, no info: greeting, subscribe, announce, ping. Prints its port, then serves until killed.
 */
public final class RawFanout {
    private final Map<String, List<Client>> subscribers = new HashMap<>();

    private static final class Client {
        final SocketChannel channel;
        final ByteBuffer in = ByteBuffer.allocate(64 * 1024);
        final ArrayDeque<ByteBuffer> pending = new ArrayDeque<>();

        Client(SocketChannel channel) {
            this.channel = channel;
        }
    }

    private RawFanout() {
    }

    public static void main(String[] args) throws IOException {
        new RawFanout().serve();
    }

    private void serve() throws IOException {
        Selector selector = Selector.open();
        ServerSocketChannel server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress("127.0.0.1", 0), 1024);
        server.configureBlocking(false);
        server.register(selector, SelectionKey.OP_ACCEPT);
        System.out.println("raw fanout listening on 127.0.0.1:" + server.socket().getLocalPort());
        System.out.flush();
        while (true) {
            selector.select();
            for (SelectionKey key : selector.selectedKeys()) {
                try {
                    if (key.isAcceptable()) {
                        SocketChannel channel = server.accept();
                        if (channel != null) {
                            channel.configureBlocking(false);
                            channel.socket().setTcpNoDelay(true);
                            Client client = new Client(channel);
                            channel.register(selector, SelectionKey.OP_READ, client);
                            send(client, "debug!connected...\n".getBytes(StandardCharsets.US_ASCII), key.selector());
                        }
                        continue;
                    }
                    Client client = (Client) key.attachment();
                    if (key.isWritable()) {
                        flush(client, key);
                    }
                    if (key.isReadable() && client.channel.read(client.in) < 0) {
                        drop(key);
                        continue;
                    }
                    lines(client, selector);
                } catch (IOException gone) {
                    drop(key);
                }
            }
            selector.selectedKeys().clear();
        }
    }

    private void drop(SelectionKey key) {
        key.cancel();
        try {
            key.channel().close();
        } catch (IOException ignored) {
            // closing a dead connection
        }
        if (key.attachment() instanceof Client client) {
            subscribers.values().forEach(list -> list.remove(client));
        }
    }

    private void lines(Client client, Selector selector) throws IOException {
        ByteBuffer in = client.in;
        in.flip();
        int start = 0;
        for (int i = 0; i < in.limit(); i++) {
            if (in.get(i) == '\n') {
                command(client, new String(in.array(), start, i - start, StandardCharsets.UTF_8), selector);
                start = i + 1;
            }
        }
        in.position(start);
        in.compact();
    }

    private void command(Client client, String line, Selector selector) throws IOException {
        if (line.startsWith("announce ")) {
            int space = line.indexOf(' ', 9);
            List<Client> targets = subscribers.get(line.substring(9, space));
            if (targets != null) {
                byte[] out = (line.substring(9, space) + "!" + line.substring(space + 1) + "\n").getBytes(StandardCharsets.UTF_8);
                for (Client target : List.copyOf(targets)) {
                    try {
                        send(target, out, selector);
                    } catch (IOException gone) {
                        drop(target.channel.keyFor(selector));
                    }
                }
            }
        } else if (line.startsWith("subscribe ")) {
            subscribers.computeIfAbsent(line.substring(10), k -> new ArrayList<>()).add(client);
        } else if (line.equals("ping")) {
            send(client, (System.currentTimeMillis() / 1000 + "\n").getBytes(StandardCharsets.US_ASCII), selector);
        }
    }

    private static void send(Client client, byte[] bytes, Selector selector) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(bytes);
        if (client.pending.isEmpty()) {
            client.channel.write(buffer);
        }
        if (buffer.hasRemaining()) {
            client.pending.add(buffer);
            client.channel.keyFor(selector).interestOps(SelectionKey.OP_READ | SelectionKey.OP_WRITE);
        }
    }

    private static void flush(Client client, SelectionKey key) throws IOException {
        while (!client.pending.isEmpty()) {
            ByteBuffer head = client.pending.peek();
            client.channel.write(head);
            if (head.hasRemaining()) {
                return;
            }
            client.pending.poll();
        }
        key.interestOps(SelectionKey.OP_READ);
    }
}
