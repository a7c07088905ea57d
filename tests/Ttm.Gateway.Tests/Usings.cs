global using Ttm.Testing;
global using Xunit;

// libtorch already uses every core: test classes in parallel would oversubscribe them and crawl.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
