package dev.editstream.runcomfy;

import io.netty.resolver.AbstractAddressResolver;
import io.netty.resolver.AddressResolver;
import io.netty.resolver.AddressResolverGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Promise;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The downloader's name resolution: resolves a host with a {@link HostResolver} off the event loop
 * and, unless {@code host:port} is a configured local host of the {@link DownloadPolicy}, refuses
 * the connection when any resolved address is refused by {@link AddressRules}. Netty connects to
 * the very address this resolver returned, so a DNS answer cannot change between check and use.
 */
final class CheckingResolver extends AddressResolverGroup<InetSocketAddress> {
  /** Resolves a host name to its addresses (blocking; called on a bounded-elastic thread). */
  @FunctionalInterface
  interface HostResolver {
    /** The system resolver ({@link InetAddress#getAllByName}, JDK cache and hosts file). */
    HostResolver SYSTEM = InetAddress::getAllByName;

    /**
     * @param host a host name (never an IP literal here)
     * @return at least one address
     * @throws UnknownHostException when the name does not resolve
     */
    InetAddress[] resolve(String host) throws UnknownHostException;
  }

  /** A connection refused because of the address its host resolved to. */
  static final class AddressRefused extends UnknownHostException {
    AddressRefused(String message) {
      super(message);
    }
  }

  private final DownloadPolicy policy;
  private final HostResolver resolver;

  CheckingResolver(DownloadPolicy policy, HostResolver resolver) {
    this.policy = Objects.requireNonNull(policy, "policy");
    this.resolver = Objects.requireNonNull(resolver, "resolver");
  }

  /**
   * Resolves and checks one host (blocking).
   *
   * @return the addresses, in the resolver's order
   * @throws UnknownHostException when unresolvable; {@link AddressRefused} when refused
   */
  List<InetSocketAddress> lookup(String host, int port) throws UnknownHostException {
    InetAddress[] found = resolver.resolve(host);
    if (found == null || found.length == 0) {
      throw new UnknownHostException(host);
    }
    boolean exempt = policy.isLocalHost(host, port);
    List<InetSocketAddress> out = new ArrayList<>();
    for (InetAddress a : found) {
      Optional<String> why = exempt ? Optional.empty() : AddressRules.refusal(a);
      if (why.isPresent()) {
        throw new AddressRefused(
            "host "
                + SafeText.of(host, 253)
                + " resolves to a "
                + why.get()
                + " ("
                + a.getHostAddress()
                + ")");
      }
      out.add(new InetSocketAddress(InetAddress.getByAddress(host, a.getAddress()), port));
    }
    return out;
  }

  @Override
  protected AddressResolver<InetSocketAddress> newResolver(EventExecutor executor) {
    return new AbstractAddressResolver<>(executor, InetSocketAddress.class) {
      @Override
      protected boolean doIsResolved(InetSocketAddress address) {
        return !address.isUnresolved();
      }

      @Override
      protected void doResolve(InetSocketAddress address, Promise<InetSocketAddress> promise) {
        lookupAsync(address).subscribe(all -> promise.trySuccess(all.get(0)), promise::tryFailure);
      }

      @Override
      protected void doResolveAll(
          InetSocketAddress address, Promise<List<InetSocketAddress>> promise) {
        lookupAsync(address).subscribe(promise::trySuccess, promise::tryFailure);
      }
    };
  }

  private Mono<List<InetSocketAddress>> lookupAsync(InetSocketAddress address) {
    return Mono.fromCallable(() -> lookup(address.getHostString(), address.getPort()))
        .subscribeOn(Schedulers.boundedElastic());
  }
}
