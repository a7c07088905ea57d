namespace Ttm.Models; internal static class Placeholder {}
