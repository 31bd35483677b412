package dev.amdahl.internal.task;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;

/** Names this process in records and logs. */
public final class ProcessTag {

    private ProcessTag() {
    }

    /** {@code <pid>@<host>}: names workers and schedulers in records and logs, as Celery's {@code celery@host}. */
    public static String current() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "localhost";
        }
        return ManagementFactory.getRuntimeMXBean().getPid() + "@" + host;
    }
}
