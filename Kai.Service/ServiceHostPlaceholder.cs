namespace Kai.Service;

/// <summary>Replaced by the service work (issue 4): the Kestrel host behind `kai serve`.</summary>
internal static class ServiceHostPlaceholder
{
}
