"""From the CRM and back: write-back files for Salesforce and HubSpot, scheduled refresh."""
