case when 2 = 0 then '' else right('abc', 2) end
