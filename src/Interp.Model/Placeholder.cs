namespace Interp.Model; internal static class Placeholder {}
