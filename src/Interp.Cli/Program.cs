using Interp.Cli;

return CliApp.Run(args);
