#!/bin/sh
# Shared by every launcher in bin/ (lib/*.jar is the class path, so this script does not join it): finds Java and runs one main class from lib/.
# Our defaults come first and JAVA_OPTS after them, so JAVA_OPTS="-Xmx128m" overrides the heap.
# The agent runs on every host of a fleet, hence the small default heap and the serial collector.
# Netty 4.2's adaptive allocator would start JFR; nothing here wants it.
# F2BC_CDS_ARCHIVE: an AppCDS archive to map when it exists (see bin/fail2ban-cluster-client). An archive only
# loads on the JDK build and the jars that made it; a stale one is ignored, and the cds log tags are off so
# the JVM does not warn about it on every run.
main_class=$1
shift
# The bin/ scripts call us by absolute path; parameter expansion rather than dirname keeps forks off the
# client's start-up.
case $0 in
    /*) self=$0 ;;
    *) self=$(readlink -f "$0") ;;
esac
[ -L "$self" ] && self=$(readlink -f "$self")
lib=${self%/*}
home=${lib%/*}
# Java turns argv and file names into bytes with the locale's charset: under systemd's POSIX locale a
# non-ASCII message value would reach the action as '?'. Any UTF-8 locale will do; C.UTF-8 always exists.
case "${LC_ALL:-${LC_CTYPE:-${LANG:-}}}" in
    *[Uu][Tt][Ff]-8* | *[Uu][Tt][Ff]8*) ;;
    *) export LC_ALL=C.UTF-8 ;;
esac
if [ -n "$JAVA_HOME" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    java=$JAVA_HOME/bin/java
else
    java=java
fi
# F2BC_BLOCKHOUND=1: the agent and broker exit 70 on a blocking call on an event loop; BlockHound needs this flag.
blockhound=
if [ "${F2BC_BLOCKHOUND:-}" = 1 ]; then
    blockhound=-XX:+AllowRedefinitionToAddDeleteMethods
fi
cds=
if [ -n "${F2BC_CDS_ARCHIVE:-}" ] && [ -f "$F2BC_CDS_ARCHIVE" ]; then
    cds="-XX:SharedArchiveFile=$F2BC_CDS_ARCHIVE -Xlog:cds=off -Xlog:cds+dynamic=off"
fi
# F2BC_HANDLED_SIGNALS (the agent: HUP,INT,TERM): signals the program handles. One ignored when we were
# started (nohup; a script's "&" ignores INT) stays ignored through exec, and the JVM then installs no
# handler over it, so kill -HUP would silently do nothing; no shell can reset it ("trap - HUP" does not),
# coreutils' env can. /proc/self/status is the shell's own; SIGHUP, SIGINT, SIGTERM are bits 0, 1, 14.
reset=
if [ -n "${F2BC_HANDLED_SIGNALS:-}" ] && [ -r /proc/self/status ]; then
    while read -r key mask; do
        if [ "$key" = SigIgn: ]; then
            mask=${mask#"${mask%????}"}
            if [ $((0x$mask & 0x4003)) -ne 0 ] && env "--default-signal=$F2BC_HANDLED_SIGNALS" true 2>/dev/null; then
                reset="env --default-signal=$F2BC_HANDLED_SIGNALS"
            fi
            break
        fi
    done < /proc/self/status
fi
# shellcheck disable=SC2086 # JAVA_OPTS and F2BC_JVM_DEFAULTS are word lists on purpose, $reset too
exec $reset "$java" -Xmx64m -XX:+UseSerialGC -Xss512k -Dio.netty.jfr.enabled=false \
    ${F2BC_JVM_DEFAULTS:-} $cds $blockhound ${JAVA_OPTS:-} \
    -cp "$home/lib/*" "$main_class" "$@"
