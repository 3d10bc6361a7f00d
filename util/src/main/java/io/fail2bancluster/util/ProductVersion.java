package io.fail2bancluster.util;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * The version every program of ours prints ({@code --version}, the agent's status). It lives here because
 * this is the one module that every program has; Maven writes it into a filtered resource, since the jar
 * manifest is absent when running from classes.
 */
public final class ProductVersion {
    private static final String UNKNOWN = "unknown";

    private ProductVersion() {
    }

    public static String current() {
        return Holder.VERSION;
    }

    /** Read on first use only: the client's publish path never pays for it. */
    private static final class Holder {
        static final String VERSION = load();
    }

    private static String load() {
        try (InputStream in = ProductVersion.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                return UNKNOWN;
            }
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version", UNKNOWN);
        } catch (IOException e) {
            return UNKNOWN;
        }
    }
}
