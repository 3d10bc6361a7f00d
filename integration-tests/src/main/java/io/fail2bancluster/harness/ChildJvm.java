package io.fail2bancluster.harness;

import java.util.List;

/** JVM flags a child agent or broker process needs, beside its main class. */
public final class ChildJvm {
    /** The environment switch that makes AgentMain and BrokerMain install BlockHound. */
    public static final String BLOCKHOUND_ENV = "F2BC_BLOCKHOUND";
    /** BlockHound redefines JDK classes, which JDK 13+ refuses without this flag. */
    public static final String BLOCKHOUND_JVM_FLAG = "-XX:+AllowRedefinitionToAddDeleteMethods";

    private ChildJvm() {
    }

    /** The flag BlockHound needs when this process passes the switch on to its children (they inherit the environment). */
    public static List<String> blockHoundFlags() {
        return "1".equals(System.getenv(BLOCKHOUND_ENV)) ? List.of(BLOCKHOUND_JVM_FLAG) : List.of();
    }
}
