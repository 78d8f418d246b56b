System.Console.WriteLine("interp");
