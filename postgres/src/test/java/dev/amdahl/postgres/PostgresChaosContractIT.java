package dev.amdahl.postgres;

import dev.amdahl.spi.Broker;
import dev.amdahl.spi.ProviderContext;
import dev.amdahl.spi.ResultBackend;
import dev.amdahl.testkit.ChaosContractTest;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Optional;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The chaos suite on PostgreSQL, broker and result backend both: worker JVMs reach a private cluster (made by the test
 * with initdb, so the suite may SIGKILL and restart it) through the suite's proxy, so every fault hits the results too.
 */
class PostgresChaosContractIT extends ChaosContractTest {

    @RegisterExtension
    static final PrivatePostgres postgres = new PrivatePostgres();

    private static URI url(String hostPort, Settings s) {
        return URI.create("postgres://root@" + hostPort + "/postgres?schema=amdahl"
                + "&visibility-timeout=" + s.visibilityTimeout().toMillis() + "ms&max-deliveries=" + s.maxDeliveries());
    }

    @Override
    protected Broker openBroker(Settings s) {
        return new PostgresBrokerProvider().open(url(postgres.hostPort(), s), ProviderContext.ofDefaults());
    }

    @Override
    protected ResultBackend openResultBackend(Settings s) {
        return new PostgresResultBackendProvider().open(url(postgres.hostPort(), s), ProviderContext.ofDefaults());
    }

    @Override
    protected boolean workersInOtherJvms() {
        return true;
    }

    @Override
    protected String workerBrokerUrl(String hostPort, Settings s) {
        return url(hostPort, s).toString();
    }

    @Override
    protected Optional<InetSocketAddress> brokerAddress() {
        return Optional.of(new InetSocketAddress("127.0.0.1", postgres.port()));
    }

    @Override
    protected boolean restartsBroker() {
        return true;
    }

    @Override
    protected void restartBroker() throws Exception {
        postgres.kill();
        postgres.start();
    }
}
