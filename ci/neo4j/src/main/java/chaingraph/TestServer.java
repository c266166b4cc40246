package chaingraph;

import java.nio.file.Path;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.harness.Neo4j;
import org.neo4j.harness.Neo4jBuilders;

/**
 * Starts an in-process Neo4j Community server with Bolt on 127.0.0.1:PORT (auth off) until killed.
 * File URLs in LOAD CSV are off and each transaction's memory is capped (as in docker-compose.yml).
 * Arguments: PORT [WORK_DIR [DATA_DIR]]; a DATA_DIR keeps the database across restarts (fault tests).
 * A benchmark at 1M firms loads in one transaction too: -Dchaingraph.txMaxMiB / -Dchaingraph.txTimeoutS
 * (start.sh: NEO4J_TX_MAX_MIB, NEO4J_TX_TIMEOUT_S) raise the caps; every test run keeps the defaults.
 * The page cache (the store's files held in memory) is -Dchaingraph.pagecacheMiB (start.sh:
 * NEO4J_PAGECACHE_MIB), default 512: the harness's own default is 8 MiB, which made every read of a
 * 100k-firm store (~300 MB of files) go to the OS for its pages.  A production server sizes it to the
 * store (Neo4j's default: half the RAM left beside the heap); the benchmark gives it as much.
 */
public final class TestServer {
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        long txMaxMiB = Long.getLong("chaingraph.txMaxMiB", 1024L);
        long txTimeoutS = Long.getLong("chaingraph.txTimeoutS", 120L);
        long pagecacheMiB = Long.getLong("chaingraph.pagecacheMiB", 512L);
        Path workDir = Path.of(args.length > 1 ? args[1] : "target/neo4j-work");
        var builder = Neo4jBuilders.newInProcessBuilder(workDir);
        if (args.length > 2) {
            builder = builder.withConfig(GraphDatabaseSettings.data_directory, Path.of(args[2]).toAbsolutePath());
        }
        Neo4j server = builder
                .withConfig(BoltConnector.enabled, true)
                .withConfig(BoltConnector.listen_address, new SocketAddress("127.0.0.1", port))
                .withConfig(HttpConnector.enabled, false)
                .withConfig(GraphDatabaseSettings.auth_enabled, false)
                .withConfig(GraphDatabaseSettings.transaction_timeout, java.time.Duration.ofSeconds(txTimeoutS))
                .withConfig(GraphDatabaseSettings.pagecache_memory, pagecacheMiB * 1024 * 1024)
                // The console's Cypher must not read the host's files (LOAD CSV FROM 'file:///proc/…'),
                // nor run the server out of heap: each transaction's memory is capped (a query over it
                // fails once: the console's auto-commit transactions are not retried).  1 GiB, not less:
                // an all-or-nothing load of 100k firms holds ~300 MB of transaction state (measured: 256m
                // refused it).
                .withConfig(GraphDatabaseSettings.allow_file_urls, false)
                .withConfig(GraphDatabaseSettings.memory_transaction_max_size, txMaxMiB * 1024 * 1024)
                .withConfig(GraphDatabaseSettings.memory_transaction_global_max_size, txMaxMiB * 3 / 2 * 1024 * 1024)
                .build();
        Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        System.out.println("NEO4J_URI=" + server.boltURI());
        System.out.flush();
        Thread.currentThread().join();
    }
}
