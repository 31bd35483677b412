# syntax=docker/dockerfile:1
# The amdahl command in a container: 'amdahl worker' by default, configured from AMDAHL_* variables
# (deploy/docker/entrypoint.sh lists them). Build from the repository's root:
#   docker build -t amdahl:0.1.0-SNAPSHOT .
# Tasks of your own: a jar in /opt/amdahl/lib named by AMDAHL_CLASSPATH, with AMDAHL_INCLUDE=com.example.MyTasks.

# ---- build: the shaded jar from the Maven build, tests left to CI ----
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.m2 mvn -B -q -pl cli -am package -DskipTests

# ---- run: a JRE, the jar, the launcher, and a user that is not root ----
FROM eclipse-temurin:17-jre
RUN groupadd --system --gid 10001 amdahl \
 && useradd --system --uid 10001 --gid amdahl --home-dir /var/lib/amdahl --create-home --shell /usr/sbin/nologin amdahl
# the launcher finds the jar at cli/target/amdahl.jar beside itself, as in a clone
COPY --from=build /src/cli/target/amdahl.jar /opt/amdahl/cli/target/amdahl.jar
COPY --from=build /src/amdahl /opt/amdahl/amdahl
# the launcher's JVM defaults, which it sources from beside itself
COPY --from=build /src/scripts/jvm-defaults.sh /opt/amdahl/scripts/jvm-defaults.sh
COPY --from=build /src/deploy/docker/entrypoint.sh /opt/amdahl/entrypoint.sh
RUN chmod 0755 /opt/amdahl/amdahl /opt/amdahl/entrypoint.sh && mkdir -p /opt/amdahl/lib
ENV PATH="/opt/amdahl:${PATH}" \
    AMDAHL_SHUTDOWN_GRACE=30s \
    AMDAHL_METRICS_PORT=9464 \
    AMDAHL_METRICS_BIND=0.0.0.0
USER 10001:10001
WORKDIR /var/lib/amdahl
EXPOSE 9464 5555
# the worker stops on SIGTERM: running tasks get AMDAHL_SHUTDOWN_GRACE (30s) to finish, then go back to the broker;
# give the container more than that to stop ('docker stop -t 45', compose's stop_grace_period, Kubernetes'
# terminationGracePeriodSeconds), or the runtime's SIGKILL cuts the grace short
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 CMD ["/opt/amdahl/entrypoint.sh", "health"]
ENTRYPOINT ["/opt/amdahl/entrypoint.sh"]
CMD ["worker"]
