package io.fail2bancluster.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * The start-up bench's baseline: the least a JVM can do for one publish, with nothing of ours on its class
 * path. Connect, read the greeting, write the announce and a ping, read until the ping reply (a line of
 * digits). Exit 1 if the server closed first.
 */
public final class PlainSocketPublish {
    private PlainSocketPublish() {
    }

    public static void main(String[] args) throws Exception {
        try (Socket socket = new Socket(args[0], Integer.parseInt(args[1]))) {
            socket.setTcpNoDelay(true);
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            in.readLine();
            OutputStream out = socket.getOutputStream();
            out.write(("announce " + args[2] + " " + args[3] + "\nping\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
            String line;
            while ((line = in.readLine()) != null) {
                if (!line.isEmpty() && line.chars().allMatch(Character::isDigit)) {
                    return;
                }
            }
            System.exit(1);
        }
    }
}
