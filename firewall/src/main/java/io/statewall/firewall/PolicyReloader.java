package io.statewall.firewall;

import io.statewall.netfilter.policy.Host;
import io.statewall.netfilter.policy.Policy;
import io.statewall.netfilter.policy.PolicyException;
import io.statewall.netfilter.policy.PolicyLoader;
import io.statewall.netfilter.rules.RuleSet;
import io.statewall.controller.app.App;
import io.statewall.controller.app.AppContext;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads the policy when its file or one of its rule files changes, and on SIGHUP. A file that
 * fails to load keeps the running policy and says why; a good one is applied atomically (or, in a
 * controller cluster, committed for every member to compile: its {@link Target}).
 */
public final class PolicyReloader implements App {
  private static final Logger log = LoggerFactory.getLogger(PolicyReloader.class);
  /** Editors write a file in several steps: wait for quiet before reading it. */
  private static final long SETTLE_MILLIS = 200;

  private final Path policyFile;
  private final Target target;
  private final boolean handleSighup;
  private WatchService watcher;
  private Thread thread;
  private volatile Set<Path> watchedFiles = Set.of();

  /** What a reload does with the policy file: loads it and puts it in force. */
  public interface Target {
    /** The policy last loaded from the file (its files are the ones watched). */
    Policy current();

    /** Loads {@code policyFile} and puts it in force; returns what it loaded, or throws and changes nothing. */
    Policy reload(Path policyFile) throws PolicyException, IOException;

    /** Loads with {@code loader} and applies to {@code firewall}: a controller on its own. */
    static Target local(PolicyLoader loader, FirewallApp firewall) {
      return new Target() {
        @Override
        public Policy current() {
          return firewall.policies().current();
        }

        @Override
        public Policy reload(Path policyFile) throws PolicyException {
          Policy next = loader.load(policyFile);
          next.warnings().forEach(w -> log.warn("{}", w));
          firewall.apply(next);
          return next;
        }
      };
    }
  }

  public PolicyReloader(Path policyFile, PolicyLoader loader, FirewallApp firewall, boolean handleSighup) {
    this(policyFile, Target.local(loader, firewall), handleSighup);
  }

  public PolicyReloader(Path policyFile, Target target, boolean handleSighup) {
    this.policyFile = policyFile.toAbsolutePath().normalize();
    this.target = target;
    this.handleSighup = handleSighup;
  }

  @Override
  public String name() {
    return "policy-reloader";
  }

  @Override
  public void start(AppContext context) {
    try {
      watcher = FileSystems.getDefault().newWatchService();
      watch(target.current());
    } catch (IOException e) {
      log.warn("cannot watch the policy files ({}); reload with SIGHUP", e.getMessage());
    }
    thread = new Thread(this::run, "statewall-policy-watch");
    thread.setDaemon(true);
    thread.start();
    if (handleSighup) {
      try {
        sun.misc.Signal.handle(new sun.misc.Signal("HUP"), s -> reload("SIGHUP"));
      } catch (IllegalArgumentException e) {
        log.warn("SIGHUP is not available here: {}", e.getMessage());
      }
    }
  }

  @Override
  public void stop() {
    try {
      if (watcher != null) {
        watcher.close();
      }
    } catch (IOException e) {
      log.debug("closing the policy watcher", e);
    }
  }

  /** Loads the policy file again and applies it; returns false (keeping the running one) if it fails. */
  public synchronized boolean reload(String why) {
    try {
      Policy next = target.reload(policyFile);
      watch(next);
      log.info("policy reloaded ({})", why);
      return true;
    } catch (PolicyException e) {
      log.error("policy reload ({}) failed, the running policy stays: {}", why, e.getMessage());
      return false;
    } catch (IOException | RuntimeException e) {
      log.error("policy reload ({}) failed, the running policy stays: {}", why, e.toString());
      return false;
    }
  }

  private void watch(Policy policy) throws IOException {
    Set<Path> files = new HashSet<>();
    files.add(policyFile);
    for (Host h : policy.hosts().values()) {
      add(files, h.rules());
      add(files, h.rules6());
    }
    add(files, policy.network());
    add(files, policy.network6());
    if (watcher != null) {
      for (Path f : files) {
        f.getParent().register(watcher, StandardWatchEventKinds.ENTRY_CREATE,
            StandardWatchEventKinds.ENTRY_MODIFY);
      }
    }
    watchedFiles = Set.copyOf(files);
  }

  private static void add(Set<Path> files, RuleSet set) {
    if (set != null && set.file() != null) {
      files.add(Path.of(set.file()).toAbsolutePath().normalize());
    }
  }

  private void run() {
    if (watcher == null) {
      return;
    }
    try {
      while (true) {
        WatchKey key = watcher.take();
        boolean relevant = relevant(key);
        // collect the rest of an editor's burst of events, then read once
        WatchKey more;
        while ((more = watcher.poll(SETTLE_MILLIS, TimeUnit.MILLISECONDS)) != null) {
          relevant |= relevant(more);
        }
        if (relevant) {
          reload("file changed");
        }
      }
    } catch (InterruptedException | ClosedWatchServiceException e) {
      // stopping
    }
  }

  private boolean relevant(WatchKey key) {
    Path dir = (Path) key.watchable();
    boolean hit = false;
    for (WatchEvent<?> ev : key.pollEvents()) {
      if (ev.context() instanceof Path name && watchedFiles.contains(dir.resolve(name).normalize())) {
        hit = true;
      }
    }
    key.reset();
    return hit;
  }
}
